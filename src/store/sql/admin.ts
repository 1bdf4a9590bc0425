import type { Selectable } from 'kysely';
import type {
  AdminToken,
  AdminTokenStore,
  AuditEntry,
  AuditLog,
  WebhookDelivery,
  WebhookOutbox,
  WebhookState,
} from '../admin.ts';
import { type EpochMs, type Page, pageLimit } from '../types.ts';
import { affected, atomic, type Ctx, fromJson, toJson, translate } from './context.ts';
import type { AdminTokensTable, AuditLogTable, WebhookDeliveriesTable } from './schema.ts';

const toAudit = (r: Selectable<AuditLogTable>): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  details: fromJson(r.details),
});

export class SqlAudit implements AuditLog {
  constructor(private readonly ctx: Ctx) {}

  async append(entry: {
    actor: string;
    action: string;
    target?: string | null | undefined;
    details?: unknown;
  }): Promise<AuditEntry> {
    const row = await this.ctx.db
      .insertInto('audit_log')
      .values({
        at: this.ctx.now(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target ?? null,
        details: toJson(entry.details),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAudit(row);
  }

  async list(filter?: Page & { actor?: string | undefined; action?: string | undefined }): Promise<AuditEntry[]> {
    const rows = await this.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .$if(filter?.actor !== undefined, (q) => q.where('actor', '=', filter!.actor!))
      .$if(filter?.action !== undefined, (q) => q.where('action', '=', filter!.action!))
      .$if(filter?.after !== undefined, (q) => q.where('id', '<', filter!.after!))
      .orderBy('id', 'desc')
      .limit(pageLimit(filter))
      .execute();
    return rows.map(toAudit);
  }
}

const toToken = (r: Selectable<AdminTokensTable>): AdminToken => ({
  id: r.id,
  name: r.name,
  scopes: fromJson(r.scopes) as string[],
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export class SqlTokens implements AdminTokenStore {
  constructor(private readonly ctx: Ctx) {}

  async create(input: {
    name: string;
    tokenHash: string;
    scopes: readonly string[];
    expiresAt?: EpochMs | null | undefined;
  }): Promise<AdminToken> {
    try {
      const row = await this.ctx.db
        .insertInto('admin_tokens')
        .values({
          name: input.name,
          token_hash: input.tokenHash,
          scopes: JSON.stringify(input.scopes),
          created_at: this.ctx.now(),
          expires_at: input.expiresAt ?? null,
          last_used_at: null,
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toToken(row);
    } catch (err) {
      translate(err, `admin token ${input.name}`);
    }
  }

  async authenticate(tokenHash: string): Promise<AdminToken | undefined> {
    const now = this.ctx.now();
    const row = await this.ctx.db
      .updateTable('admin_tokens')
      .set({ last_used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .returningAll()
      .executeTakeFirst();
    return row && toToken(row);
  }

  async list(): Promise<AdminToken[]> {
    return (await this.ctx.db.selectFrom('admin_tokens').selectAll().orderBy('id').execute()).map(toToken);
  }

  async revoke(id: number): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('admin_tokens')
      .set({ revoked_at: this.ctx.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return affected(r) > 0;
  }
}

const toWebhook = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.id,
  event: r.event,
  url: r.url,
  payload: fromJson(r.payload),
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export class SqlWebhooks implements WebhookOutbox {
  constructor(private readonly ctx: Ctx) {}

  async enqueue(input: { event: string; url: string; payload: unknown }): Promise<WebhookDelivery> {
    const now = this.ctx.now();
    const row = await this.ctx.db
      .insertInto('webhook_deliveries')
      .values({
        event: input.event,
        url: input.url,
        payload: JSON.stringify(input.payload ?? null),
        state: 'pending',
        next_attempt_at: now,
        last_error: null,
        created_at: now,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWebhook(row);
  }

  claimDue(input: { limit: number; leaseMs: number }): Promise<WebhookDelivery[]> {
    return atomic(this.ctx, async (db) => {
      const now = this.ctx.now();
      const due = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(input.limit)
        .$if(this.ctx.backend === 'postgres', (q) => q.forUpdate().skipLocked())
        .execute();
      if (due.length === 0) return [];
      const rows = await db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: now + input.leaseMs }))
        .where(
          'id',
          'in',
          due.map((d) => d.id),
        )
        .returningAll()
        .execute();
      return rows.map(toWebhook).sort((a, b) => a.id - b.id);
    });
  }

  async markDelivered(id: number): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('webhook_deliveries')
      .set({ state: 'delivered', finished_at: this.ctx.now(), last_error: null })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return affected(r) > 0;
  }

  async markFailed(id: number, error: string, retryAt: EpochMs | null): Promise<boolean> {
    const now = this.ctx.now();
    const r = await this.ctx.db
      .updateTable('webhook_deliveries')
      .set(
        retryAt === null
          ? { state: 'failed', last_error: error, finished_at: now }
          : { last_error: error, next_attempt_at: retryAt },
      )
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return affected(r) > 0;
  }

  async list(filter?: Page & { state?: WebhookState | undefined }): Promise<WebhookDelivery[]> {
    const rows = await this.ctx.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .$if(filter?.state !== undefined, (q) => q.where('state', '=', filter!.state!))
      .$if(filter?.after !== undefined, (q) => q.where('id', '>', filter!.after!))
      .orderBy('id')
      .limit(pageLimit(filter))
      .execute();
    return rows.map(toWebhook);
  }

  async prune(finishedBefore: EpochMs): Promise<number> {
    const r = await this.ctx.db
      .deleteFrom('webhook_deliveries')
      .where('state', '<>', 'pending')
      .where('finished_at', '<', finishedBefore)
      .executeTakeFirst();
    return affected(r);
  }
}
