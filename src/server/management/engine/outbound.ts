/**
 * Fitting queued commands into a message. A command must fit whole in one message ([O 2.1]); what does not
 * fit waits for the next package, and a lone Add or Replace too large for any message goes out as a large
 * object, one chunk per message ([O 2.2]). Sizes are measured on the encoder's own output, so the message
 * built afterwards has exactly the size the choice was made on.
 */
import {
  type AddCommand,
  buildCommand,
  type ContainedCommand,
  type Item,
  type ReplaceCommand,
} from '../../../protocol/syncml/index.ts';
import type { DequeueCandidate, DequeueChoice } from '../../../store/index.ts';
import { renderQueued } from '../payload.ts';

/** Headroom for what a size estimate cannot see: the msft namespace declaration a command may add. */
export const SIZE_MARGIN = 96;
/** A chunk smaller than this would take more messages than any device would sit through. */
const MIN_CHUNK = 256;

export const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

export type ChunkableCommand = AddCommand | ReplaceCommand;

export function isChunkable(c: ContainedCommand): c is ChunkableCommand {
  return (c.kind === 'Add' || c.kind === 'Replace') && c.items.length === 1 && c.items[0]?.data !== undefined;
}

export interface Undeliverable {
  candidate: DequeueCandidate;
  reason: string;
}

export interface Chosen {
  command: ContainedCommand;
  /** Sent as a large object, starting with the first chunk. */
  chunked: boolean;
}

/**
 * Picks, in queue order, the commands that fit a message of `limit` bytes whose statuses and header already take
 * `base` bytes. Commands that can never be delivered to this device (unrenderable, or too large even in chunks)
 * are skipped and listed, so the shell can cancel them instead of retrying them for ever.
 */
export class Selector {
  readonly chosen = new Map<number, Chosen>();
  readonly undeliverable: Undeliverable[] = [];
  #used: number | undefined;
  #large = false;

  /** `base` is asked for only when there is a candidate: most polls have none and skip building the reply twice. */
  constructor(
    private readonly limit: number,
    private readonly base: () => number,
    private readonly deviceMaxObjSize: number | undefined,
  ) {}

  readonly select = (c: DequeueCandidate): DequeueChoice => {
    if (this.#large) return 'stop';
    this.#used ??= this.base() + SIZE_MARGIN;
    let command: ContainedCommand;
    let size: number;
    try {
      command = renderQueued(c.commandUuid, c.payload);
      size = bytes(buildCommand(command));
    } catch (e) {
      this.undeliverable.push({ candidate: c, reason: `cannot be rendered: ${(e as Error).message}` });
      return 'skip';
    }
    if (this.#used + size <= this.limit) {
      this.#used += size;
      this.chosen.set(c.id, { command, chunked: false });
      return 'take';
    }
    if (this.chosen.size > 0) return 'stop';
    const why = largeObjectRefusal(command, this.limit - this.#used, this.deviceMaxObjSize);
    if (why !== undefined) {
      this.undeliverable.push({
        candidate: c,
        reason: `${size} bytes do not fit a ${this.limit}-byte message and ${why}`,
      });
      return 'skip';
    }
    this.#large = true;
    this.chosen.set(c.id, { command, chunked: true });
    return 'take';
  };
}

function largeObjectRefusal(c: ContainedCommand, room: number, maxObjSize: number | undefined): string | undefined {
  if (!isChunkable(c)) return 'only a one-Item Add or Replace can travel as a large object';
  const size = bytes(c.items[0]!.data!);
  if (maxObjSize !== undefined && size > maxObjSize) return `the object exceeds the device's MaxObjSize ${maxObjSize}`;
  if (room - shellCost(c, size) < MIN_CHUNK) return 'not even a minimal chunk fits';
  return undefined;
}

/**
 * The command around a chunk holding one byte of data: what a chunk costs besides its data, plus one. (With
 * no data at all the encoder writes `<Data/>`, shorter than the open and close tags a real chunk needs.)
 */
function chunkShell(c: ChunkableCommand, size: number): ChunkableCommand {
  const item = c.items[0]!;
  return { ...c, items: [{ ...withoutForm(item), data: 'x', meta: { ...item.meta, size }, moreData: true }] };
}

const shellCost = (c: ChunkableCommand, size: number) => bytes(buildCommand(chunkShell(c, size))) - 1;

function withoutForm(item: Item): Item {
  const { dataForm: _, ...rest } = item;
  return rest;
}

/** Encoded cost of one UTF-16 code unit as escaped UTF-8 character data (see the encoder's `text`). */
function cost(code: number): number {
  if (code === 0x26) return 5; // &amp;
  if (code === 0x3c || code === 0x3e) return 4; // &lt; &gt;
  if (code === 0x0d) return 5; // &#13;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  return 3; // a surrogate pair is 4 bytes: 2 + 2 here, and never split below
}

export interface Chunk {
  command: ChunkableCommand;
  /** Where the next chunk starts; undefined when this is the last. */
  next: number | undefined;
}

/**
 * The chunk of `c` that starts at `offset` and fits `room` bytes of message. The first chunk carries Meta/Size
 * (the whole object's UTF-8 length), every chunk but the last MoreData. Data goes as escaped text whatever its
 * original form: a slice of markup or CDATA would not be well-formed on its own.
 */
export function chunkAt(c: ChunkableCommand, offset: number, room: number): Chunk {
  const item = c.items[0]!;
  const data = item.data ?? '';
  const size = bytes(data);
  let free = room - shellCost(c, size);
  let end = offset;
  while (end < data.length) {
    const code = data.charCodeAt(end);
    const pair = code >= 0xd800 && code <= 0xdbff && end + 1 < data.length;
    const step = pair ? 2 : 1;
    const w = pair ? 4 : cost(code);
    if (w > free) break;
    free -= w;
    end += step;
  }
  // Progress is guaranteed by the caller's MIN_CHUNK check; this only guards against a bug looping for ever.
  if (end === offset) throw new RangeError('no room for any data in a chunk');
  const last = end >= data.length;
  const meta = offset === 0 ? { ...item.meta, size } : item.meta;
  const chunkItem: Item = { ...withoutForm(item), data: data.slice(offset, end) };
  if (meta && Object.keys(meta).length > 0) chunkItem.meta = meta;
  else delete chunkItem.meta;
  if (!last) chunkItem.moreData = true;
  return { command: { ...c, items: [chunkItem] }, next: last ? undefined : end };
}
