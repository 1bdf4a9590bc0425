import type { Selectable } from 'kysely';
import type { DeclaredEvent, DeclaredEventStore, ServerSettingsStore, WebhookSubscription } from '../declared.ts';
import { type EpochMs, MAX_PAGE } from '../types.ts';
import { affected, atomic, type Ctx, fromJson } from './context.ts';
import { appendEvents } from './declared-hot.ts';
import { type DeclaredEventsTable, declaredDb, type WebhookSubscriptionsTable } from './declared-schema.ts';

const toEvent = (r: Selectable<DeclaredEventsTable>): DeclaredEvent => ({
  id: r.id,
  at: r.at,
  type: r.type,
  payload: fromJson(r.payload),
});

const toSubscription = (r: Selectable<WebhookSubscriptionsTable>): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  secret: r.secret,
  events: fromJson(r.events) as string[],
  createdAt: r.created_at,
});

/**
 * Events and their webhook deliveries commit together (the outbox pattern), so a subscriber misses nothing a
 * crash did not also undo. The delivery carries the subscription id, which is how the sender finds the HMAC key.
 */
export class SqlDeclaredEvents implements DeclaredEventStore {
  constructor(private readonly ctx: Ctx) {}

  async append(events: readonly { type: string; payload: unknown }[]): Promise<DeclaredEvent[]> {
    if (events.length === 0) return [];
    return atomic(this.ctx, (db) => appendEvents({ ...this.ctx, db }, events));
  }

  async list(filter?: { after?: number | undefined; limit?: number | undefined; types?: readonly string[] }) {
    const limit = Math.min(Math.max(1, filter?.limit ?? 100), MAX_PAGE);
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('declared_events')
      .selectAll()
      .$if(filter?.after !== undefined, (q) => q.where('id', '>', filter!.after!))
      .$if((filter?.types?.length ?? 0) > 0, (q) => q.where('type', 'in', filter!.types!))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async lastId(): Promise<number> {
    const row = await declaredDb(this.ctx.db)
      .selectFrom('declared_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  async prune(before: EpochMs): Promise<number> {
    return affected(
      await declaredDb(this.ctx.db).deleteFrom('declared_events').where('at', '<', before).executeTakeFirst(),
    );
  }

  async subscribe(input: { url: string; secret: string; events: readonly string[] }): Promise<WebhookSubscription> {
    const row = await declaredDb(this.ctx.db)
      .insertInto('webhook_subscriptions')
      .values({
        url: input.url,
        secret: input.secret,
        events: JSON.stringify(input.events),
        created_at: this.ctx.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSubscription(row);
  }

  subscriptions(): Promise<WebhookSubscription[]> {
    return this.subscriptionsIn(declaredDb(this.ctx.db));
  }

  private async subscriptionsIn(db: ReturnType<typeof declaredDb>): Promise<WebhookSubscription[]> {
    const rows = await db.selectFrom('webhook_subscriptions').selectAll().orderBy('id').execute();
    return rows.map(toSubscription);
  }

  async getSubscription(id: number): Promise<WebhookSubscription | undefined> {
    const row = await declaredDb(this.ctx.db)
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSubscription(row);
  }

  async unsubscribe(id: number): Promise<boolean> {
    return (
      affected(
        await declaredDb(this.ctx.db).deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst(),
      ) > 0
    );
  }
}

export class SqlServerSettings implements ServerSettingsStore {
  constructor(private readonly ctx: Ctx) {}

  async get(key: string): Promise<unknown> {
    const row = await declaredDb(this.ctx.db)
      .selectFrom('server_settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row === undefined ? undefined : fromJson(row.value);
  }

  async put(key: string, value: unknown): Promise<boolean> {
    const text = JSON.stringify(value);
    const now = this.ctx.now();
    const r = await declaredDb(this.ctx.db)
      .insertInto('server_settings')
      .values({ key, value: text, updated_at: now })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({ value: text, updated_at: now }).where('server_settings.value', '<>', text),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
}
