import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run as devices } from '../../../src/cli/devices.ts';
import { run as documents } from '../../../src/cli/documents.ts';
import { run as groups } from '../../../src/cli/groups.ts';
import { run as linkSyncml } from '../../../src/cli/link-syncml.ts';
import { run as sets } from '../../../src/cli/sets.ts';
import { type ApiServer, fileDocument, startApiServer } from './support.ts';

/** Runs a CLI command in-process and captures what it prints. */
async function cli(
  fn: (argv: string[]) => Promise<number>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await fn(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('admin CLI over the API', () => {
  let s: ApiServer;
  let conn: string[];
  before(async () => {
    s = await startApiServer();
    conn = ['--server', `https://localhost:${s.port}`, '--data-dir', s.dataDir];
  });
  after(() => s.close());

  let id = '';
  it('creates, lists and shows documents, as tables or JSON', async () => {
    const file = join(s.dataDir, 'doc.json');
    writeFileSync(file, JSON.stringify(fileDocument('from the CLI')));
    const created = await cli(documents, ['create', '--file', file, '--name', 'cli file', ...conn]);
    assert.equal(created.code, 0, created.err);
    id = /changed: ([0-9A-F-]{36}) revision 1/.exec(created.out)?.[1] ?? '';
    assert.ok(id, created.out);
    const list = await cli(documents, ['list', ...conn]);
    assert.match(list.out, /^ID\s+NAME\s+KIND\s+REV\s+CHECKSUM/);
    assert.match(list.out, new RegExp(`${id}\\s+cli file\\s+configuration\\s+1`));
    const json = await cli(documents, ['get', id, '--json', ...conn]);
    assert.equal(JSON.parse(json.out).id, id);
    const xml = await cli(documents, ['get', id, '--xml', ...conn]);
    assert.match(xml.out, /^<DeclaredConfiguration /);
    const same = await cli(documents, ['update', id, '--file', file, '--name', 'cli file', ...conn]);
    assert.match(same.out, /^unchanged/);
  });

  it('targets with sets and groups, and reports the server’s refusals with their codes', async () => {
    assert.equal((await cli(sets, ['put', 'base', '--description', 'every device', ...conn])).out, 'changed');
    assert.equal((await cli(sets, ['add', 'base', id, ...conn])).out, 'changed');
    assert.equal((await cli(groups, ['put', 'all', ...conn])).out, 'changed');
    assert.equal((await cli(sets, ['assign', 'base', '--group', 'all', ...conn])).out, 'changed');
    assert.equal((await cli(sets, ['assign', 'base', '--group', 'all', ...conn])).out, 'unchanged');
    const shown = await cli(sets, ['list', ...conn]);
    assert.match(shown.out, /base\s+1\s+all\s+0\s+every device/);
    const refused = await cli(groups, ['settings', 'all', '--refresh-interval', '10', ...conn]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /SETTING_INVALID: refreshInterval: .*30-4294967295/);
    const ok = await cli(groups, ['settings', 'all', '--refresh-interval', '60', '--poll', '15x8,480', ...conn]);
    assert.equal(ok.code, 0, ok.err);
    const usage = await cli(sets, ['assign', 'base', ...conn]);
    assert.equal(usage.code, 2);
    const missing = await cli(devices, ['get', 'NO-SUCH-DEVICE', ...conn]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /NOT_FOUND/);
  });

  it('explains delete and prints linking SyncML', async () => {
    const del = await cli(documents, ['delete', id, ...conn]);
    assert.match(del.out, /settings it applied stay/);
    const offline = await cli(linkSyncml, ['--provider-id', 'MS DM Server', '--public-url', 'https://mdm.example']);
    assert.match(offline.out, /https:\/\/mdm\.example\/EnrollmentConfiguration\?api-version=1\.0/);
    assert.match(offline.out, /MS%20DM%20Server\/LinkedEnrollment\/Enroll/);
    const fleet = await cli(linkSyncml, ['--provider-id', 'Fleet', '--fleet', ...conn]);
    assert.match(fleet.out, /^<Replace><Item>/);
    assert.doesNotMatch(fleet.out, /CmdID/);
  });
});
