/**
 * What makes Atomic all-or-nothing: every mutation registers its undo, and everything that reaches outside the
 * tree — starting a document's asynchronous processing, running an Enroll — is deferred until commit. A command
 * outside Atomic gets a transaction of its own that always commits, so handlers are written once.
 */
export class Transaction {
  private undos: Array<() => void> = [];
  private effects: Array<() => void> = [];
  private done = false;
  /** Nodes added earlier in this transaction: Windows does not support Add then Replace of one node in Atomic. */
  readonly added = new Set<string>();

  constructor(readonly atomic: boolean = false) {}

  onRollback(undo: () => void): void {
    this.undos.push(undo);
  }

  /** Runs after commit, in registration order; dropped on rollback. */
  afterCommit(effect: () => void): void {
    this.effects.push(effect);
  }

  commit(): void {
    this.finish();
    for (const e of this.effects) e();
  }

  rollback(): void {
    this.finish();
    for (const u of this.undos.reverse()) u();
  }

  private finish(): void {
    if (this.done) throw new Error('transaction already finished');
    this.done = true;
  }
}
