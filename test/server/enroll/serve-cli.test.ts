import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/windc.js', import.meta.url));

/** Runs `windc serve` until it has printed `until`, then stops it with SIGTERM; resolves with its output. */
function serveUntil(args: string[], until: RegExp): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    let stopping = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`windc serve did not print ${until} in time:\n${out}`));
    }, 30_000);
    child.stdout.on('data', (c) => {
      out += String(c);
      if (!stopping && until.test(out)) {
        stopping = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (c) => (out += String(c)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

describe('windc serve on an empty data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windc-serve-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const args = [
    '--listen',
    '127.0.0.1:0',
    '--data-dir',
    dir,
    '--public-url',
    'https://mdm.example.test',
    '--log-level',
    'warn',
  ];

  it('prints its URLs and a first enrollment secret, saved owner-only, then stops cleanly', async () => {
    const first = await serveUntil(args, /enroll secret/);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /windc ready in \d+ ms/);
    assert.match(
      first.out,
      /WinDC discovery {2}https:\/\/mdm\.example\.test\/EnrollmentConfiguration\?api-version=1\.0/,
    );
    assert.match(first.out, /MDM discovery {4}https:\/\/mdm\.example\.test\/EnrollmentServer\/Discovery\.svc/);
    const secret = /enroll secret {4}(\S+)/.exec(first.out)?.[1];
    assert.ok(secret);
    assert.equal(readFileSync(join(dir, 'enroll-secret'), 'utf8').trim(), secret);
    assert.equal(statSync(join(dir, 'enroll-secret')).mode & 0o777, 0o600);

    assert.match(first.out, /windc: shutting down/);
    const again = await serveUntil(args, /MDM discovery.*\n/);
    assert.equal(again.code, 0, again.out);
    assert.doesNotMatch(again.out, /enroll secret/, 'a second start makes no new secret');
  });
});
