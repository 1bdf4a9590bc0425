import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ADMIN_TOKEN_FILE, bootstrapToken, hashToken } from '../../../src/server/admin/auth.ts';
import { tempStore } from '../declared/sim.ts';

describe('the first admin token', () => {
  it('is generated into <data-dir>/admin-token (0600) when the database has none, and only then', async () => {
    const { store, dir, cleanup } = await tempStore();
    try {
      const r = await bootstrapToken(store, { envToken: undefined, dataDir: dir });
      assert.equal(r.generatedFile, join(dir, ADMIN_TOKEN_FILE));
      const token = readFileSync(join(dir, ADMIN_TOKEN_FILE), 'utf8').trim();
      assert.match(token, /^wdc_[A-Za-z0-9_-]{43}$/);
      assert.equal(statSync(join(dir, ADMIN_TOKEN_FILE)).mode & 0o777, 0o600);
      assert.ok(await store.tokens.authenticate(hashToken(token)), 'stored as its SHA-256 digest');
      const again = await bootstrapToken(store, { envToken: undefined, dataDir: dir });
      assert.equal(again.generatedFile, undefined, 'a database with a token gets no second one');
    } finally {
      await cleanup();
    }
  });

  it('comes from WINDC_ADMIN_TOKEN when set, replacing the previous one from the environment', async () => {
    const { store, dir, cleanup } = await tempStore();
    try {
      await bootstrapToken(store, { envToken: 'first-token-from-the-environment', dataDir: dir });
      assert.ok(!existsSync(join(dir, ADMIN_TOKEN_FILE)));
      assert.ok(await store.tokens.authenticate(hashToken('first-token-from-the-environment')));
      await bootstrapToken(store, { envToken: 'first-token-from-the-environment', dataDir: dir });
      assert.equal((await store.tokens.list()).length, 1, 'the same token is not stored twice');
      await bootstrapToken(store, { envToken: 'second-token-from-the-environment', dataDir: dir });
      assert.equal(await store.tokens.authenticate(hashToken('first-token-from-the-environment')), undefined);
      assert.ok(await store.tokens.authenticate(hashToken('second-token-from-the-environment')));
      await assert.rejects(bootstrapToken(store, { envToken: 'short', dataDir: dir }), /at least 16/);
    } finally {
      await cleanup();
    }
  });
});
