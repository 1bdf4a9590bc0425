import assert from 'node:assert/strict';
import type { OpenStoreOptions, Store } from '../../../src/store/index.ts';
import { StoreError, type StoreErrorCode } from '../../../src/store/index.ts';

export interface HarnessOptions {
  now?: () => number;
  migrate?: 'apply' | 'verify' | 'none';
}

/** How the conformance suite gets databases: each backend's test file provides one. */
export interface StoreHarness {
  backend: 'sqlite' | 'postgres';
  /** A store on a new, empty database (a new data dir or a new schema), migrated unless told otherwise. */
  fresh(options?: HarnessOptions): Promise<Store>;
  /** Another store on the same database as `store`: what a second server process would open. */
  sibling(store: Store, options?: HarnessOptions): Promise<Store>;
  /** The openStore options that reach `store`'s database, for a child process. */
  locate(store: Store): OpenStoreOptions;
}

/** A clock the tests move by hand, so every timestamp assertion is exact. */
export class Clock {
  t = 1_800_000_000_000;
  readonly now = (): number => this.t;
  tick(ms = 1): number {
    this.t += ms;
    return this.t;
  }
}

let counter = 0;
/** Unique per call, so tests sharing one database never collide. */
export function uniq(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected StoreError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

export async function enrolled(store: Store, kind: 'primary' | 'linked' = 'linked') {
  return store.devices.enroll({ deviceId: uniq('DEV'), hwDevId: uniq('HW'), kind });
}
