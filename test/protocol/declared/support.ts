import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../../../src/protocol/errors.ts';

export const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** Microsoft's samples and the seeds live beside the repository; tests that read them skip without it. */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const sharedSkip = existsSync(sharedDir) ? false : `${sharedDir} is absent`;

export function fixture(name: string): string {
  return readFileSync(path.join(repoRoot, 'test/fixtures/declared', name), 'utf8');
}

export function shared(relative: string): string {
  return readFileSync(path.join(sharedDir, relative), 'utf8');
}

/** The ProtocolError a call throws; fails the test when it does not throw one. */
export function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected a ProtocolError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ProtocolError, but nothing was thrown');
}

export function codeOf(fn: () => unknown): string {
  return errorOf(fn).code;
}
