import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, resolveServerConfig } from '../../src/server/config.ts';

describe('server configuration', () => {
  it('runs on embedded defaults with no options', () => {
    const c = resolveServerConfig([], {});
    assert.equal(c.listenHost, '0.0.0.0');
    assert.equal(c.listenPort, 8443);
    assert.equal(c.publicUrl, 'https://localhost:8443');
    assert.equal(c.dataDir, './windc-data');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.maxBodyBytes, 2 * 1024 * 1024);
  });

  it('takes flags over environment over config file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'windc-cfg-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'windc.json');
    writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:9000', dataDir: '/from/file', 'log-level': 'warn' }));
    const c = resolveServerConfig(['--config', file, '--data-dir', '/from/flag'], {
      WINDC_LISTEN: '127.0.0.1:9100',
      WINDC_DATA_DIR: '/from/env',
    });
    assert.equal(c.listenPort, 9100);
    assert.equal(c.dataDir, '/from/flag');
    assert.equal(c.logLevel, 'warn');
    assert.equal(c.publicUrl, 'https://127.0.0.1:9100');
  });

  it('derives the public URL from the listen address, IPv6 included, and strips a trailing slash', () => {
    assert.equal(resolveServerConfig(['--listen', '[::1]:8443'], {}).publicUrl, 'https://[::1]:8443');
    assert.equal(resolveServerConfig(['--listen', '443'], {}).publicUrl, 'https://localhost');
    assert.equal(
      resolveServerConfig(['--public-url', 'https://mdm.example.com/'], {}).publicUrl,
      'https://mdm.example.com',
    );
  });

  it('refuses what cannot work, saying why', (t) => {
    const bad: Array<[string[], RegExp]> = [
      [['--listen', 'nope'], /--listen/],
      [['--listen', '1:99999'], /--listen/],
      [['--public-url', 'http://x'], /https/],
      [['--public-url', 'not a url'], /not a URL/],
      [['--tls-cert', 'a.pem'], /together/],
      [['--max-body', '12'], /max-body/],
    ];
    for (const [argv, re] of bad)
      assert.throws(
        () => resolveServerConfig(argv, {}),
        (e) => e instanceof ConfigError && re.test(e.message),
      );
    const dir = mkdtempSync(join(tmpdir(), 'windc-cfg-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'x.json'), '{"lsten": "1"}');
    assert.throws(() => resolveServerConfig(['--config', join(dir, 'x.json')], {}), /unknown option 'lsten'/);
    assert.throws(() => resolveServerConfig(['--bogus'], {}), /bogus/);
  });
});
