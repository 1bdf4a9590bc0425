// What the protocol tests share: where the fixtures are (our own under test/fixtures, the team's read-only captures
// in a sibling `shared/` checkout), and how a test expects a ProtocolError with a code.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../../src/protocol/errors.ts';

export const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The team's read-only captures, Microsoft's samples and the seeds; tests reading them skip without the folder. */
export const SHARED = path.resolve(repoRoot, '..', 'shared');
export const SHARED_MISSING = existsSync(SHARED) ? false : `no shared fixtures at ${SHARED}`;

/** A file under the shared folder, as text. */
export function sharedFile(rel: string): string {
  return readFileSync(path.join(SHARED, rel), 'utf8');
}

/** One of our own fixtures, `test/fixtures/<folder>/<name>`, as text. */
export function ownFixtureIn(folder: string, name: string): string {
  return readFileSync(path.join(repoRoot, 'test/fixtures', folder, name), 'utf8');
}

/** The ProtocolError `fn` throws; fails the test on success or on any other exception type. */
export function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ProtocolError, but nothing was thrown');
}

/** The ProtocolError code `fn` fails with; fails the test on success or on any other exception type. */
export function codeOf(fn: () => unknown): string {
  return errorOf(fn).code;
}

/** The ProtocolError code the promise `fn` returns rejects with. */
export async function asyncCodeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a ProtocolError, but nothing was thrown');
}

/** Runs `fn` and accepts success or a ProtocolError; anything else (TypeError, RangeError, hang) fails. */
export function onlyProtocolErrors(fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `${label}: expected a ProtocolError, got ${String(e)}`);
  }
}
