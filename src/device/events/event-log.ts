/**
 * The emulated DeviceManagement-Enterprise-Diagnostics-Provider event log: the Admin and Operational channels seed
 * 001 points administrators to. Events stay in a bounded ring for the CLI and tests and, for a device with a
 * directory, are appended to events.log as `time<TAB>channel<TAB>level<TAB>message`, one per line, so that a shell
 * tool can filter them without a JSON parser.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export type EventChannel = 'Admin' | 'Operational';
export type EventLevel = 'Error' | 'Warning' | 'Information';

export interface DeviceEvent {
  /** ISO 8601 UTC. */
  time: string;
  channel: EventChannel;
  level: EventLevel;
  message: string;
}

export interface EventLogOptions {
  /** events.log; absent for a device kept in memory only. */
  file?: string;
  capacity?: number;
}

const DEFAULT_CAPACITY = 2000;

/** Tabs and line breaks would split a line of events.log; Windows' messages never need them. */
function oneLine(s: string): string {
  return s.replace(/[\t\r\n]+/g, ' ');
}

export function formatEventLine(e: DeviceEvent): string {
  return `${e.time}\t${e.channel}\t${e.level}\t${oneLine(e.message)}`;
}

export function parseEventLine(line: string): DeviceEvent | undefined {
  const [time, channel, level, ...rest] = line.split('\t');
  if (time === undefined || rest.length === 0) return undefined;
  if (channel !== 'Admin' && channel !== 'Operational') return undefined;
  if (level !== 'Error' && level !== 'Warning' && level !== 'Information') return undefined;
  return { time, channel, level, message: rest.join('\t') };
}

export class EventLog {
  private readonly ring: DeviceEvent[] = [];
  private readonly capacity: number;
  private readonly file: string | undefined;
  private writes: Promise<void> = Promise.resolve();
  private listeners = new Set<(e: DeviceEvent) => void>();

  constructor(options: EventLogOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.file = options.file;
  }

  /** Reads the tail of an existing events.log into the ring. */
  async load(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const events = text
      .split('\n')
      .map(parseEventLine)
      .filter((e): e is DeviceEvent => e !== undefined);
    this.ring.splice(0, this.ring.length, ...events.slice(-this.capacity));
  }

  append(event: DeviceEvent): void {
    const e = { ...event, message: oneLine(event.message) };
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const l of this.listeners) l(e);
    const file = this.file;
    if (file) {
      this.writes = this.writes
        .then(async () => {
          await mkdir(path.dirname(file), { recursive: true });
          await appendFile(file, `${formatEventLine(e)}\n`, 'utf8');
        })
        .catch((err: unknown) => process.emitWarning(`windc: cannot append to ${file}: ${String(err)}`));
    }
  }

  /** Oldest first. */
  entries(filter: { channel?: EventChannel; level?: EventLevel } = {}): DeviceEvent[] {
    return this.ring.filter(
      (e) => (!filter.channel || e.channel === filter.channel) && (!filter.level || e.level === filter.level),
    );
  }

  onEvent(listener: (e: DeviceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every appended event is on disk. */
  flush(): Promise<void> {
    return this.writes;
  }
}
