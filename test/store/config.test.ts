import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_DATA_DIR,
  describeStore,
  parseStoreArgs,
  redactUrl,
  resolveStoreConfig,
  SQLITE_FILE,
  StoreError,
} from '../../src/store/index.ts';

describe('store configuration', () => {
  it('defaults to SQLite in ./windc-data', () => {
    const c = resolveStoreConfig({}, {});
    assert.deepEqual(c, {
      backend: 'sqlite',
      dataDir: resolve(DEFAULT_DATA_DIR),
      sqlitePath: resolve(DEFAULT_DATA_DIR, SQLITE_FILE),
    });
  });

  it('takes flags over the environment, and an empty value as unset', () => {
    const env = { WINDC_DATA_DIR: '/env/dir', WINDC_DATABASE_URL: 'postgres://u:pw@db.example:5432/windc' };
    assert.deepEqual(resolveStoreConfig({}, env), {
      backend: 'postgres',
      dataDir: '/env/dir',
      databaseUrl: env.WINDC_DATABASE_URL,
    });
    assert.equal(resolveStoreConfig({ dataDir: '/flag/dir' }, env).dataDir, '/flag/dir');
    assert.equal(resolveStoreConfig({ databaseUrl: '' }, { WINDC_DATABASE_URL: '' }).backend, 'sqlite');
    const flagged = resolveStoreConfig({ databaseUrl: 'postgresql://other/db' }, env);
    assert.equal(flagged.backend === 'postgres' && flagged.databaseUrl, 'postgresql://other/db');
  });

  it('parses command-line flags in both forms', () => {
    const { config, help } = parseStoreArgs(['--data-dir=/a', '--database-url', 'postgres://h/db'], {});
    assert.equal(help, false);
    assert.deepEqual(config, { backend: 'postgres', dataDir: '/a', databaseUrl: 'postgres://h/db' });
    assert.equal(parseStoreArgs(['-h'], {}).help, true);
  });

  it('rejects what it cannot use, without echoing a password', () => {
    assert.throws(() => parseStoreArgs(['--port', '1'], {}), StoreError);
    assert.throws(() => resolveStoreConfig({ databaseUrl: 'mysql://u:secret@h/db' }, {}), /postgres:\/\//);
    assert.throws(
      () => resolveStoreConfig({ databaseUrl: 'not a url :secret@' }, {}),
      (e: Error) => e instanceof StoreError && e.code === 'INVALID' && !e.message.includes('secret'),
    );
  });

  it('redacts passwords in what it prints', () => {
    assert.equal(redactUrl('postgres://windc:s3cret@db:5432/windc'), 'postgres://windc:***@db:5432/windc');
    assert.equal(redactUrl('postgres://db/windc'), 'postgres://db/windc');
    assert.equal(describeStore(resolveStoreConfig({ databaseUrl: 'postgres://a:b@h/d' }, {})), 'postgres://a:***@h/d');
    assert.match(describeStore(resolveStoreConfig({ dataDir: '/x' }, {})), /^sqlite:\/x\/windc\.db$/);
  });
});
