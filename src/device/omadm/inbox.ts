/**
 * Large objects from the server (OMA DM 1.2 §2.2, [MS-MDM]: Windows receives them since 10 1511). A chunk is an
 * Add or Replace whose one Item carries MoreData; the client answers each with 213 and asks for the next message
 * with Alert 1222. The last chunk (no MoreData) completes the object: its size is checked against the first
 * chunk's Meta/Size (424 on a mismatch) and the whole command runs as if it had come in one piece, answered under
 * the last chunk's CmdID. Any other command before the last chunk abandons the object: the client reports it with
 * Alert 1225 and carries on with that command.
 */
import {
  type AddCommand,
  type Item,
  type Meta,
  type ReplaceCommand,
  StatusCode,
  type SyncMLCommand,
} from '../../protocol/syncml/index.ts';

type ChunkCommand = AddCommand | ReplaceCommand;

interface Pending {
  locUri: string;
  /** Meta of the first chunk without Size: format and type of the whole object. */
  meta: Meta | undefined;
  size: number | undefined;
  parts: string[];
}

export type InboxOutcome =
  /** Not part of a large object: execute it. */
  | { kind: 'pass'; command: SyncMLCommand }
  /** A chunk was buffered: answer this code (213). */
  | { kind: 'buffered'; command: ChunkCommand; code: number }
  /** The object is complete: execute this reassembled command. */
  | { kind: 'complete'; command: ChunkCommand }
  /** The reassembled object does not have the announced size: answer 424, execute nothing. */
  | { kind: 'mismatch'; command: ChunkCommand; code: number };

function chunkItem(cmd: SyncMLCommand): Item | undefined {
  if ((cmd.kind !== 'Add' && cmd.kind !== 'Replace') || cmd.items.length !== 1) return undefined;
  return cmd.items[0];
}

export class LargeObjectInbox {
  private pending: Pending | undefined;

  /** An object is waiting for its next chunk. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Classifies one server command. When an object was pending and `cmd` does not continue it, `interrupted` is
   * true: the caller sends Alert 1225 before handling `cmd`.
   */
  accept(cmd: SyncMLCommand): { interrupted: boolean; outcome: InboxOutcome } {
    const item = chunkItem(cmd);
    const locUri = item?.target?.locUri;
    const p = this.pending;
    let interrupted = false;
    if (p && (item === undefined || locUri !== p.locUri)) {
      this.pending = undefined;
      interrupted = true;
    }
    if (item === undefined || locUri === undefined) return { interrupted, outcome: { kind: 'pass', command: cmd } };
    const command = cmd as ChunkCommand;
    const current = this.pending;
    if (!current) {
      if (!item.moreData) return { interrupted, outcome: { kind: 'pass', command: cmd } };
      const { size, ...rest } = item.meta ?? {};
      this.pending = {
        locUri,
        meta: Object.keys(rest).length > 0 ? rest : undefined,
        size,
        parts: [item.data ?? ''],
      };
      return { interrupted, outcome: { kind: 'buffered', command, code: StatusCode.CHUNKED_ITEM_ACCEPTED } };
    }
    current.parts.push(item.data ?? '');
    if (item.moreData) {
      return { interrupted, outcome: { kind: 'buffered', command, code: StatusCode.CHUNKED_ITEM_ACCEPTED } };
    }
    this.pending = undefined;
    const data = current.parts.join('');
    if (current.size !== undefined && Buffer.byteLength(data, 'utf8') !== current.size) {
      return { interrupted, outcome: { kind: 'mismatch', command, code: StatusCode.SIZE_MISMATCH } };
    }
    const whole: Item = { target: { locUri }, data };
    const meta = current.meta ?? item.meta;
    if (meta) whole.meta = meta;
    return { interrupted, outcome: { kind: 'complete', command: { ...command, items: [whole] } } };
  }

  /** The session ended: an object still incomplete is dropped. */
  reset(): void {
    this.pending = undefined;
  }
}
