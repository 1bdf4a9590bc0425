/** A reader following the event log by cursor (`after`), as an integration polling the admin API does. */
import { type ApiServer, api } from '../admin/support.ts';

type Page = { events: { id: number }[]; last: number };

export class EventFollower {
  readonly seen = new Set<number>();
  private last = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly server: Pick<ApiServer, 'port' | 'caPem' | 'token'>) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.poll();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  }

  /** Stops following after one last read, so everything committed by now has been offered to it. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.poll();
  }

  /** Every event id in the log, read from the start. */
  static async all(server: Pick<ApiServer, 'port' | 'caPem' | 'token'>): Promise<Set<number>> {
    const f = new EventFollower(server);
    await f.poll();
    return f.seen;
  }

  private async poll(): Promise<void> {
    for (;;) {
      const r = await api<Page>(this.server, 'GET', `/api/v1/events?after=${this.last}&limit=1000`);
      if (r.status !== 200) throw new Error(`GET /api/v1/events: ${r.status} ${r.text}`);
      for (const e of r.body.events) this.seen.add(e.id);
      this.last = r.body.last;
      if (r.body.events.length < 1000) return;
    }
  }
}
