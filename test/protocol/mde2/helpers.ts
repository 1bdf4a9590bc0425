import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../../../src/protocol/errors.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The team's read-only captures; tests replaying them skip when the checkout has no sibling `shared/`. */
export const SHARED = resolve(repoRoot, '..', 'shared');
export const SHARED_MISSING = existsSync(SHARED) ? false : `no shared captures at ${SHARED}`;

export function ownFixture(name: string): string {
  return readFileSync(join(repoRoot, 'test/fixtures/mde2', name), 'utf8');
}

export function sharedFile(rel: string): string {
  return readFileSync(join(SHARED, rel), 'utf8');
}

/** The ProtocolError code `fn` fails with; fails the test on success or on any other exception type. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a failure');
}

export async function asyncCodeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a failure');
}

/** Runs `fn` and accepts success or a ProtocolError; anything else (TypeError, RangeError, hang) fails. */
export function onlyProtocolErrors(fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `${label}: expected a ProtocolError, got ${String(e)}`);
  }
}
