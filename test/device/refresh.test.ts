import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { SyncRequest } from '../../src/device/index.ts';
import { cmd, docUri, fixture, type Harness, harness, result, sandboxFile, send, settle, stateOf } from './support.ts';

const FILE_ID = '5D1E0C5A-8E0B-4F0B-9C55-1A2B3C4D5E6F';
const BULK_ID = '2E4F6A8B-0C1D-4E2F-9A3B-4C5D6E7F8091';
const MSC = './Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration';
const MINUTE = 60_000;

describe('DeclaredConfiguration: the refresh schedule (seed 001, "Refresh interval")', () => {
  let h: Harness;
  let syncs: SyncRequest[];
  let file: string;
  beforeEach(async () => {
    h = await harness();
    syncs = [];
    h.device.onSyncRequested((r) => syncs.push(r));
    file = sandboxFile(h, 'Temp', 'windc', 'hello.txt');
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), await fixture('file-config.xml')));
    await settle(h);
  });
  afterEach(() => h.cleanup());

  it('runs every 240 minutes by default and repairs a tampered file without changing the result', async () => {
    const before = result(h.ep, 'Device', 'Complete', FILE_ID);
    await writeFile(file, 'tampered', 'utf8');
    await h.clock.advance(239 * MINUTE);
    await h.device.idle();
    assert.equal(await readFile(file, 'utf8'), 'tampered');
    await h.clock.advance(MINUTE);
    await h.device.idle();
    assert.equal(await readFile(file, 'utf8'), 'Hello from WinDC');
    assert.equal(stateOf(h.ep, FILE_ID), 60);
    assert.deepEqual(result(h.ep, 'Device', 'Complete', FILE_ID), before);
    assert.match(h.device.events.entries({ channel: 'Operational' }).at(-1)?.message ?? '', /drift repaired/);
    assert.deepEqual(syncs, []);
  });

  it('follows RefreshInterval: a new value reschedules from now', async () => {
    send(h.ep, cmd.replace(`${MSC}/RefreshInterval`, '30', 'int'));
    await writeFile(file, 'tampered', 'utf8');
    await h.clock.advance(30 * MINUTE);
    await h.device.idle();
    assert.equal(await readFile(file, 'utf8'), 'Hello from WinDC');
  });

  it('an unrepairable drift marks the document 61 with the failing resource and, when asked to, requests a session', async () => {
    send(h.ep, cmd.replace(`${MSC}/StartSyncSessionOnFailure`, 'true', 'bool'));
    const before = result(h.ep, 'Device', 'Complete', FILE_ID);
    await rm(file);
    await mkdir(file);
    await h.clock.advance(240 * MINUTE);
    await h.device.idle();
    assert.equal(stateOf(h.ep, FILE_ID), 61);
    const after = result(h.ep, 'Device', 'Complete', FILE_ID);
    assert.deepEqual([after?.blocks[0]?.status, after?.blocks[0]?.state], ['0x800700b7', 61]);
    assert.notEqual(after?.resultChecksum, before?.resultChecksum);
    assert.equal(after?.resultTimestamp, '2025-01-06T13:00:00Z');
    assert.deepEqual(syncs, [{ accountId: h.windc.id, reason: 'refresh-failure', docIds: [FILE_ID] }]);
  });

  it('without StartSyncSessionOnFailure the drift is recorded but no session is requested (seed 002 default false)', async () => {
    await rm(file);
    await mkdir(file);
    await h.device.refreshNow();
    assert.equal(stateOf(h.ep, FILE_ID), 61);
    assert.deepEqual(syncs, []);
    await rm(file, { recursive: true });
    await h.device.refreshNow();
    assert.equal(stateOf(h.ep, FILE_ID), 60, 'a later refresh that succeeds puts the document back to 60');
  });

  it('abandoned documents are not refreshed', async () => {
    const node = `./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${FILE_ID}/Properties/Abandoned`;
    send(h.ep, cmd.replace(node, '1', 'int'));
    await writeFile(file, 'tampered', 'utf8');
    await h.device.refreshNow();
    assert.equal(await readFile(file, 'utf8'), 'tampered');
  });

  it('a bulk template whose instance data is missing is marked drifted and always requests a session', async () => {
    const uri = docUri('Device', 'BulkTemplate', BULK_ID);
    send(h.ep, cmd.replace(uri, await fixture('bulk-template.xml')));
    send(h.ep, cmd.replace(uri.replace(/Document$/, 'BulkVariables/Value'), await fixture('bulk-variables.xml')));
    await settle(h);
    assert.equal(stateOf(h.ep, BULK_ID), 60);
    send(h.ep, cmd.delete(uri.replace(/Document$/, 'BulkVariables/Value')));
    await h.device.refreshNow();
    assert.equal(stateOf(h.ep, BULK_ID), 61);
    assert.deepEqual(syncs, [{ accountId: h.windc.id, reason: 'instance-data-missing', docIds: [BULK_ID] }]);
  });

  it('the schedule exists only while documents do', async () => {
    assert.equal(h.device.declared.refresh.scheduled, true);
    send(h.ep, cmd.delete(docUri('Device', 'Complete', FILE_ID)));
    await settle(h);
    h.ep.clientAlerts(() => '1');
    h.ep.sessionCompleted();
    assert.equal(h.device.declared.refresh.scheduled, false);
  });
});
