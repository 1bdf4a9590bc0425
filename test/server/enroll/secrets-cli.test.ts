import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import { run } from '../../../src/cli/secrets.ts';
import { hashSecret } from '../../../src/server/enroll/secrets.ts';
import { openStore } from '../../../src/store/index.ts';

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = mock.method(console, 'log', (...a: unknown[]) => out.push(a.join(' ')));
  const error = mock.method(console, 'error', (...a: unknown[]) => err.push(a.join(' ')));
  try {
    return { code: await run(argv), out, err };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

describe('windc secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windc-secrets-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const store = ['--data-dir', dir];

  it('creates a secret, shows it once, and the store keeps only its hash', async () => {
    const r = await cli(['create', '--name', 'laptops', '--expires-days', '30', ...store]);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.match(r.out[0] ?? '', /^created laptops \(expires /);
    const secret = /^secret: (\S+)$/.exec(r.out[1] ?? '')?.[1];
    assert.ok(secret);
    const s = await openStore({ dataDir: dir, env: {} });
    try {
      assert.equal((await s.secrets.verify(hashSecret(secret)))?.name, 'laptops');
    } finally {
      await s.close();
    }
  });

  it('lists secrets with their state, revokes by name, and refuses what it cannot do', async () => {
    assert.equal((await cli(['create', '--name', 'kiosks', ...store])).code, 0);
    assert.equal((await cli(['revoke', 'kiosks', ...store])).code, 0);
    const list = await cli(['list', ...store]);
    assert.equal(list.code, 0);
    assert.match(list.out[0] ?? '', /^NAME\s+STATE\s+CREATED\s+EXPIRES\s+LAST USED\s+USES$/);
    assert.match(list.out.find((l) => l.startsWith('kiosks')) ?? '', /^kiosks\s+revoked\s/);
    assert.match(list.out.find((l) => l.startsWith('laptops')) ?? '', /^laptops\s+active\s.*\s0$/);
    assert.equal((await cli(['revoke', 'kiosks', ...store])).code, 1, 'already revoked');
    assert.equal((await cli(['create', '--name', 'laptops', ...store])).code, 1, 'name taken');
    assert.equal((await cli(['create', '--name', 'no/slash', ...store])).code, 2);
    assert.equal((await cli(['create', '--expires-days', '0', ...store])).code, 2);
    assert.equal((await cli(['rotate', ...store])).code, 2);
    assert.equal((await cli([])).code, 2);
    assert.equal((await cli(['--help'])).code, 0);
  });
});
