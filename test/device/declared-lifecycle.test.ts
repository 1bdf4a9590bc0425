import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildCommand, cmdIdSequence, parseSyncMLCommand } from '../../src/protocol/syncml/index.ts';
import {
  cmd,
  codes,
  docUri,
  fileDoc,
  fixture,
  type Harness,
  harness,
  result,
  sandboxFile,
  send,
  settle,
  stateOf,
  summary,
} from './support.ts';

const FILE_ID = '5D1E0C5A-8E0B-4F0B-9C55-1A2B3C4D5E6F';
const INV_ID = '7A3F1B2C-4D5E-4F60-8172-93A4B5C6D7E8';
const ABANDONED = './Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents';

describe('DeclaredConfiguration: asynchronous processing', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  async function apply(name = 'file-config.xml', id = FILE_ID): Promise<void> {
    assert.deepEqual(codes(send(h.ep, cmd.replace(docUri('Device', 'Complete', id), await fixture(name)))), [200]);
  }

  it('configuration: 1 → 2 → 60 on the clock, the file written, the result with checksum and timestamp', async () => {
    await apply();
    assert.equal(stateOf(h.ep, FILE_ID), 1);
    await h.clock.advance(100);
    assert.equal(stateOf(h.ep, FILE_ID), 2);
    await h.clock.advance(299);
    assert.equal(stateOf(h.ep, FILE_ID), 2);
    await h.clock.advance(1);
    await h.device.idle();
    assert.equal(stateOf(h.ep, FILE_ID), 60);
    assert.equal(await readFile(sandboxFile(h, 'Temp', 'windc', 'hello.txt'), 'utf8'), 'Hello from WinDC');
    const r = result(h.ep, 'Device', 'Complete', FILE_ID);
    assert.equal(r?.operation, 'Set');
    assert.equal(r?.state, 60);
    assert.equal(r?.checksum, 'C1');
    assert.equal(r?.resultTimestamp, '2025-01-06T09:00:00Z');
    assert.match(r?.resultChecksum ?? '', /^[0-9A-F]{64}$/);
    assert.deepEqual(r?.blocks, [
      {
        kind: 'DSC',
        namespace: 'root/Microsoft/Windows/DesiredStateConfiguration',
        className: 'MSFT_FileDirectoryConfiguration',
        status: '200',
        state: 60,
        properties: [
          { role: 'Key', name: 'DestinationPath', value: '' },
          { role: 'Value', name: 'Contents', value: '' },
        ],
      },
    ]);
    assert.equal(summary(h.ep)?.documents[0]?.resultChecksum, r?.resultChecksum);
  });

  it('the summary alert: 1224, its Meta/Type, the DeclaredConfigurations markup, only while documents exist', async () => {
    assert.deepEqual(h.ep.clientAlerts(cmdIdSequence(1)), []);
    await apply();
    const [alert] = h.ep.clientAlerts(cmdIdSequence(5));
    assert.equal(alert?.code, 1224);
    assert.equal(alert?.cmdId, '5');
    assert.equal(alert?.items[0]?.meta?.type, 'com.microsoft.mdm.declaredconfigurationdocuments');
    const wire = buildCommand(alert as never);
    assert.match(
      wire,
      /<Data><DeclaredConfigurations schema="1\.0"><DeclaredConfiguration context="Device" id="5D1E0C5A/,
    );
    assert.equal(parseSyncMLCommand(wire).kind, 'Alert');
    assert.deepEqual(summary(h.ep)?.documents[0], { context: 'Device', id: FILE_ID, checksum: 'C1', state: 1 });
  });

  it('inventory: 20 → 21 → 80 with the file values in the result (extensibility inventory shape)', async () => {
    await apply();
    await settle(h);
    const inv = await fixture('file-inventory.xml');
    send(h.ep, cmd.replace(docUri('Device', 'Inventory', INV_ID), inv));
    assert.equal(stateOf(h.ep, INV_ID), 20);
    await h.clock.advance(100);
    assert.equal(stateOf(h.ep, INV_ID), 21);
    await settle(h);
    assert.equal(stateOf(h.ep, INV_ID), 80);
    const r = result(h.ep, 'Device', 'Inventory', INV_ID);
    assert.equal(r?.operation, 'Get');
    assert.deepEqual(r?.blocks[0]?.kind === 'DSC' ? r.blocks[0].properties.map((p) => [p.name, p.value]) : [], [
      ['DestinationPath', 'c:/temp/WINDC/hello.txt'],
      ['Contents', 'Hello from WinDC'],
    ]);
    assert.deepEqual(
      codes(send(h.ep, cmd.get(`./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Results/${INV_ID}/Document`))),
      [404],
    );
  });

  it('delete: 10 → 11 → 70, the file stays (tattoo), 70 is reported until the session that carried it completes', async () => {
    await apply();
    await settle(h);
    assert.deepEqual(codes(send(h.ep, cmd.delete(docUri('Device', 'Complete', FILE_ID)))), [200]);
    assert.equal(stateOf(h.ep, FILE_ID), 10);
    await h.clock.advance(100);
    assert.equal(stateOf(h.ep, FILE_ID), 11);
    await settle(h);
    assert.equal(await readFile(sandboxFile(h, 'Temp', 'windc', 'hello.txt'), 'utf8'), 'Hello from WinDC');
    const r = result(h.ep, 'Device', 'Complete', FILE_ID);
    assert.deepEqual([r?.operation, r?.state, r?.blocks[0]?.state], ['Delete', 70, 70]);
    assert.deepEqual(codes(send(h.ep, cmd.get(docUri('Device', 'Complete', FILE_ID)))), [404]);
    h.ep.sessionCompleted();
    assert.equal(stateOf(h.ep, FILE_ID), 70, 'a session that never carried it does not drop it');
    assert.equal(stateOf(h.ep, FILE_ID), 70, 'every message of the session that reports it carries it');
    h.ep.sessionCompleted();
    assert.equal(summary(h.ep), undefined);
    assert.equal(result(h.ep, 'Device', 'Complete', FILE_ID), undefined);
  });

  it('a new version supersedes processing in flight; a result reflects the latest checksum only', async () => {
    await apply();
    await h.clock.advance(150);
    const v2 = fileDoc(FILE_ID, { DestinationPath: 'C:\\Temp\\windc\\hello.txt', Contents: 'v2' }, { checksum: 'C2' });
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), v2));
    assert.equal(stateOf(h.ep, FILE_ID), 1);
    await settle(h);
    assert.equal(stateOf(h.ep, FILE_ID), 60);
    assert.equal(result(h.ep, 'Device', 'Complete', FILE_ID)?.checksum, 'C2');
    assert.equal(await readFile(sandboxFile(h, 'Temp', 'windc', 'hello.txt'), 'utf8'), 'v2');
  });

  it('an unknown class or property fails its DSC block (61), not the SyncML command', async () => {
    const id = '9A8B7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D';
    const doc = fileDoc(id, { DestinationPath: 'C:\\x' }, { className: 'MSFT_NoSuchResource' });
    assert.deepEqual(codes(send(h.ep, cmd.replace(docUri('Device', 'Complete', id), doc))), [200]);
    await settle(h);
    assert.equal(stateOf(h.ep, id), 61);
    const r = result(h.ep, 'Device', 'Complete', id);
    assert.deepEqual([r?.blocks[0]?.status, r?.blocks[0]?.state], ['0x80041010', 61]);
    const bad = fileDoc(id, { DestinationPath: 'C:\\x', Colour: 'red' }, { checksum: 'A2' });
    send(h.ep, cmd.replace(docUri('Device', 'Complete', id), bad));
    await settle(h);
    assert.equal(result(h.ep, 'Device', 'Complete', id)?.blocks[0]?.status, '0x80041008');
    assert.match(h.device.events.entries({ channel: 'Admin' }).at(-1)?.message ?? '', /has no property Colour/);
  });

  it('a DestinationPath that climbs out of the sandbox fails its block with access denied', async () => {
    const id = '0F1E2D3C-4B5A-4968-8776-655443322110';
    const doc = fileDoc(id, { DestinationPath: 'C:\\..\\..\\escape.txt', Contents: 'x' });
    send(h.ep, cmd.replace(docUri('Device', 'Complete', id), doc));
    await settle(h);
    assert.equal(stateOf(h.ep, id), 61);
    assert.equal(result(h.ep, 'Device', 'Complete', id)?.blocks[0]?.status, '0x80070005');
  });

  it('injected faults: an error fault gives 61, an infra fault 62, a pending fault holds state 3', async () => {
    h.device.configureFaults({ providers: [{ operation: 'Set', times: 1 }] });
    await apply();
    await settle(h);
    assert.equal(stateOf(h.ep, FILE_ID), 61);
    h.device.configureFaults({ providers: [{ kind: 'infra', hresult: 0x80070005, times: 1 }] });
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), fileDoc(FILE_ID, { DestinationPath: 'C:\\f' })));
    await settle(h);
    assert.equal(stateOf(h.ep, FILE_ID), 62);
    assert.equal(result(h.ep, 'Device', 'Complete', FILE_ID)?.blocks[0]?.status, '0x80070005');
    h.device.configureFaults({ asyncPendingMs: 5000 });
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), fileDoc(FILE_ID, { DestinationPath: 'C:\\g' })));
    await h.clock.advance(400);
    assert.equal(stateOf(h.ep, FILE_ID), 3);
    await settle(h, 5000);
    assert.equal(stateOf(h.ep, FILE_ID), 60);
  });

  it('zero delays still answer the session first and finish on the next turn (load runs)', async () => {
    await h.cleanup();
    h = await harness({ delays: { queueMs: 0, applyMs: 0 } });
    await apply();
    assert.equal(stateOf(h.ep, FILE_ID), 1);
    await settle(h, 0);
    assert.equal(stateOf(h.ep, FILE_ID), 60);
  });

  it('Abandoned: 1 is reported and stops refresh; 0 re-applies at once (seed 002 prose, not its inverted table)', async () => {
    await apply();
    await settle(h);
    const node = `${ABANDONED}/${FILE_ID}/Properties/Abandoned`;
    assert.equal(send(h.ep, cmd.get(node)).results[0]?.items[0]?.data, '0');
    assert.deepEqual(codes(send(h.ep, cmd.replace(node, '1', 'int'))), [200]);
    assert.equal(summary(h.ep)?.documents[0]?.abandoned, true);
    assert.equal(stateOf(h.ep, FILE_ID), 60);
    assert.deepEqual(codes(send(h.ep, cmd.replace(node, '2', 'int'))), [400]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(node, '0', 'chr'))), [415]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(node, '0', 'int'))), [200]);
    assert.equal(stateOf(h.ep, FILE_ID), 1);
    assert.equal(summary(h.ep)?.documents[0]?.abandoned, undefined);
    await settle(h);
    assert.equal(stateOf(h.ep, FILE_ID), 60);
  });

  it('Atomic rolls back a document write and starts no processing', async () => {
    const doc = await fixture('file-config.xml');
    const r = send(h.ep, cmd.atomic(cmd.replace(docUri('Device', 'Complete', FILE_ID), doc), cmd.get('./DevInfo/Man')));
    assert.deepEqual(codes(r), [507, 216, 500]);
    assert.equal(summary(h.ep), undefined);
    await settle(h);
    assert.equal(summary(h.ep), undefined);
  });
});
