import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, rejectsWith, type StoreHarness, uniq } from './harness.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export function adminSuite(h: StoreHarness): void {
  describe('audit log, admin tokens, webhook outbox', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    it('appends audit entries and lists them newest first with filters', async () => {
      const actor = uniq('alice');
      const a = await store.audit.append({ actor, action: 'document.put', target: 'doc-1', details: { revision: 2 } });
      clock.tick();
      const b = await store.audit.append({ actor, action: 'set.assign', target: 'base' });
      await store.audit.append({ actor: uniq('bob'), action: 'document.put' });
      assert.deepEqual(a.details, { revision: 2 });
      assert.equal(b.details, null);
      assert.deepEqual(
        (await store.audit.list({ actor })).map((x) => x.id),
        [b.id, a.id],
      );
      assert.deepEqual(
        (await store.audit.list({ actor, action: 'document.put' })).map((x) => x.id),
        [a.id],
      );
      assert.deepEqual(
        (await store.audit.list({ actor, after: b.id })).map((x) => x.id),
        [a.id],
      );
    });

    it('authenticates tokens by hash only while usable', async () => {
      const name = uniq('ci');
      const t = await store.tokens.create({
        name,
        tokenHash: hash(name),
        scopes: ['read', 'write'],
        expiresAt: clock.t + 1000,
      });
      assert.deepEqual(t.scopes, ['read', 'write']);
      assert.equal(t.lastUsedAt, null);
      clock.tick();
      const ok = await store.tokens.authenticate(hash(name));
      assert.equal(ok?.id, t.id);
      assert.equal(ok?.lastUsedAt, clock.t);
      assert.equal(await store.tokens.authenticate(hash('wrong')), undefined);
      await rejectsWith(store.tokens.create({ name, tokenHash: hash('other'), scopes: [] }), 'CONFLICT');
      clock.tick(1000);
      assert.equal(await store.tokens.authenticate(hash(name)), undefined, 'expired');

      const other = await store.tokens.create({ name: uniq('ops'), tokenHash: hash(uniq('ops')), scopes: ['read'] });
      assert.equal(await store.tokens.revoke(other.id), true);
      assert.equal(await store.tokens.revoke(other.id), false);
      assert.ok((await store.tokens.list()).some((x) => x.id === other.id && x.revokedAt === clock.t));
    });

    it('claims due webhook deliveries with a lease, retries and gives up', async () => {
      const url = `https://hooks.example/${uniq('h')}`;
      const w1 = await store.webhooks.enqueue({ event: 'enrollment.created', url, payload: { id: 1 } });
      const w2 = await store.webhooks.enqueue({ event: 'document.state', url, payload: { id: 2 } });
      assert.equal(w1.state, 'pending');
      const claimed = await store.webhooks.claimDue({ limit: 10, leaseMs: 30_000 });
      assert.deepEqual(
        claimed.filter((c) => c.url === url).map((c) => [c.id, c.attempts, c.nextAttemptAt]),
        [
          [w1.id, 1, clock.t + 30_000],
          [w2.id, 1, clock.t + 30_000],
        ],
      );
      assert.deepEqual(await store.webhooks.claimDue({ limit: 10, leaseMs: 30_000 }), [], 'leased rows are not due');
      assert.equal(await store.webhooks.markDelivered(w1.id), true);
      assert.equal(await store.webhooks.markDelivered(w1.id), false);
      assert.equal(await store.webhooks.markFailed(w2.id, 'HTTP 503', clock.t + 5), true);
      clock.tick(5);
      const retry = await store.webhooks.claimDue({ limit: 10, leaseMs: 1000 });
      assert.deepEqual(
        retry.map((c) => [c.id, c.attempts, c.lastError]),
        [[w2.id, 2, 'HTTP 503']],
      );
      assert.equal(await store.webhooks.markFailed(w2.id, 'HTTP 410', null), true);
      assert.deepEqual(
        (await store.webhooks.list({ state: 'failed' })).map((c) => c.id),
        [w2.id],
      );
      clock.tick();
      assert.equal(await store.webhooks.prune(clock.t), 2);
      assert.deepEqual(await store.webhooks.list(), []);
    });
  });
}
