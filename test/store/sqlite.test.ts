import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStore, type Store } from '../../src/store/index.ts';
import { conformance } from './conformance.ts';

const root = mkdtempSync(join(tmpdir(), 'windc-store-sqlite-'));
const dirs = new WeakMap<Store, string>();
after(() => rmSync(root, { recursive: true, force: true }));

conformance('sqlite', {
  backend: 'sqlite',
  async fresh(options) {
    const dataDir = mkdtempSync(join(root, 'db-'));
    const store = await openStore({ dataDir, env: {}, ...options });
    dirs.set(store, dataDir);
    return store;
  },
  async sibling(store, options) {
    const dataDir = dirs.get(store)!;
    const other = await openStore({ dataDir, env: {}, ...options });
    dirs.set(other, dataDir);
    return other;
  },
  locate(store) {
    return { dataDir: dirs.get(store)!, env: {} };
  },
});
