/**
 * The client's side of MaxMsgSize: the server's SyncHdr Meta may cap the size of every client message. Replies
 * that do not fit wait for the next message of the package (sent when the server answers with Alert 1222), and a
 * single reply larger than a whole message is a large object, which real Windows and OMA handle differently:
 *
 * - `abort` (default, the 26200 capture): the client gives up with Status for the SyncHdr, Alert 1223 and Final;
 *   native DevDetail/LrgObj is false and a MaxMsgSize of 2048 or 8192 against a 14.9k Results got exactly that.
 * - `chunk` (OMA DM 1.2 §2.2, documented for Windows 10 1511+): Results are split one Item per command, and an
 *   Item still too large goes out in MoreData chunks, Meta/Size on the first, one chunk per message.
 *
 * Without MaxMsgSize everything goes in one message, as the captures show for 16.9 KB Results.
 */
import {
  AlertCode,
  alert,
  buildCommand,
  buildSyncML,
  type Item,
  type ResultsCommand,
  type StatusCommand,
  type SyncHdr,
  type SyncMLCommand,
} from '../../protocol/syncml/index.ts';
import { clientMessage } from './message.ts';

export type LargeObjectMode = 'abort' | 'chunk';

export interface OutgoingMessage {
  xml: string;
  commands: SyncMLCommand[];
  final: boolean;
  /** The message is the client's 1223 abort: nothing follows it. */
  abort: boolean;
}

export interface NextMessageInput {
  header: SyncHdr;
  /** Status for the server's SyncHdr, always CmdID 1; absent only in package 1, which still numbers from 2. */
  hdrStatus?: StatusCommand;
  /** Client alerts that close every message (the WinDC summary, Alert 1222 when asking for more). */
  trailer: (nextCmdId: () => string) => SyncMLCommand[];
  /** The server closed its package; the client may close its own once everything has been sent. */
  serverFinal: boolean;
  maxMsgSize: number | undefined;
  msftNamespace: boolean;
}

interface Chunking {
  template: ResultsCommand;
  item: Item;
  data: string;
  offset: number;
  size: number;
}

/** Bytes a character takes once entity-escaped in UTF-8, as the SyncML encoder writes Data text. */
function encodedBytes(ch: string): number {
  if (ch === '&' || ch === '\r') return 5;
  if (ch === '<' || ch === '>') return 4;
  const c = ch.codePointAt(0) ?? 0;
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export class Outbox {
  private queue: SyncMLCommand[] = [];
  private chunking: Chunking | undefined;

  constructor(private readonly mode: LargeObjectMode) {}

  push(commands: readonly SyncMLCommand[]): void {
    this.queue.push(...commands);
  }

  /** Nothing is waiting: the package can be closed. */
  get empty(): boolean {
    return this.queue.length === 0 && this.chunking === undefined;
  }

  /** The next message of the package, taking from the queue what MaxMsgSize allows. */
  next(input: NextMessageInput): OutgoingMessage {
    const head: SyncMLCommand[] = input.hdrStatus ? [{ ...input.hdrStatus, cmdId: '1' }] : [];
    const body = [...head];
    let id = 2;
    if (!this.chunking) {
      // The common case, also when the server states a MaxMsgSize (windc always does): everything fits at once.
      const all = [...head, ...this.queue.map((cmd, i) => ({ ...cmd, cmdId: String(i + 2) }))];
      const whole = this.finish(input, all, this.queue.length + 2, input.serverFinal);
      if (input.maxMsgSize === undefined || bytes(whole.xml) <= input.maxMsgSize) {
        this.queue = [];
        return whole;
      }
    }
    const max = input.maxMsgSize ?? Number.MAX_SAFE_INTEGER;
    // The trailer's CmdIDs grow a digit or two as replies are added; the margin keeps the estimate on the safe side.
    let room = max - bytes(this.finish(input, body, 100, true).xml) - 16;
    while (this.chunking || this.queue.length > 0) {
      if (this.chunking) {
        const chunk = this.takeChunk(room, id);
        if (!chunk) break;
        body.push(chunk.command);
        room -= chunk.size;
        id++;
        // No other command may travel between the chunks of one object.
        if (this.chunking) break;
        continue;
      }
      const cmd = { ...(this.queue[0] as SyncMLCommand), cmdId: String(id) };
      const size = bytes(buildCommand(cmd));
      if (size <= room) {
        body.push(cmd);
        room -= size;
        id++;
        this.queue.shift();
        continue;
      }
      if (body.length > head.length) break;
      if (this.mode === 'abort' || cmd.kind !== 'Results') return this.abort(input, head);
      this.queue.shift();
      if (cmd.items.length > 1) {
        this.queue.unshift(...cmd.items.map((item) => ({ ...cmd, items: [item] })));
        continue;
      }
      const item = cmd.items[0] as Item;
      const data = item.data ?? '';
      this.chunking = { template: cmd, item, data, offset: 0, size: bytes(data) };
    }
    if (body.length === head.length && !this.empty) return this.abort(input, head);
    return this.finish(input, body, id, input.serverFinal && this.empty);
  }

  /** Cuts the next chunk so that its command fits `room` bytes; undefined when not even one character fits. */
  private takeChunk(room: number, id: number): { command: ResultsCommand; size: number } | undefined {
    const c = this.chunking as Chunking;
    const build = (data: string, more: boolean): ResultsCommand => {
      const item: Item = { ...c.item, data };
      if (c.offset === 0) item.meta = { ...c.item.meta, size: c.size };
      else if (c.item.meta) item.meta = c.item.meta;
      else delete item.meta;
      if (more) item.moreData = true;
      else delete item.moreData;
      return { ...c.template, cmdId: String(id), items: [item] };
    };
    const overhead = bytes(buildCommand(build('', true))) + 8;
    let budget = room - overhead;
    let end = c.offset;
    while (end < c.data.length) {
      const cp = c.data.codePointAt(end) ?? 0;
      const ch = String.fromCodePoint(cp);
      const b = encodedBytes(ch);
      if (b > budget) break;
      budget -= b;
      end += ch.length;
    }
    if (end === c.offset) return undefined;
    const last = end >= c.data.length;
    const command = build(c.data.slice(c.offset, end), !last);
    c.offset = end;
    if (last) this.chunking = undefined;
    return { command, size: bytes(buildCommand(command)) };
  }

  private abort(input: NextMessageInput, head: SyncMLCommand[]): OutgoingMessage {
    this.queue = [];
    this.chunking = undefined;
    const body = [...head, alert('2', AlertCode.SESSION_ABORT)];
    const xml = buildSyncML(clientMessage(input.header, body, true, input.msftNamespace));
    return { xml, commands: body, final: true, abort: true };
  }

  private finish(input: NextMessageInput, body: SyncMLCommand[], nextId: number, final: boolean): OutgoingMessage {
    let id = nextId;
    const commands = [...body, ...input.trailer(() => String(id++))];
    const xml = buildSyncML(clientMessage(input.header, commands, final, input.msftNamespace));
    return { xml, commands, final, abort: false };
  }
}
