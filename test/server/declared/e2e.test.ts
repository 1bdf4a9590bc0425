// The "done when", end to end: 50 emulated devices enroll into a real `windc serve` over HTTPS with windc
// as their primary MDM, get linked to its WinDC service automatically, and are managed through the admin API.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceClient } from '../../../src/device/client.ts';
import { type ApiServer, api } from '../admin/support.ts';
import { type E2EServer, startE2EServer, TestFleet } from './fleet.ts';

const N = 50;
const DSC_NS = 'root/Microsoft/Windows/DesiredStateConfiguration';
const FILE = ['C', 'Temp', 'windc', 'declared.txt'];
const fileDoc = (contents: string) => ({
  name: 'declared file',
  scenario: 'MSFTExtensibilityMIProviderConfig',
  dsc: [
    {
      namespace: DSC_NS,
      className: 'MSFT_FileDirectoryConfiguration',
      keys: { DestinationPath: 'C:\\Temp\\windc\\declared.txt' },
      values: { Contents: contents },
    },
  ],
});
const vpnDoc = {
  name: 'vpn',
  scenario: 'MSFTVPN',
  csp: [
    {
      name: './Vendor/MSFT/VPNv2',
      uris: [
        { path: 'ContosoVPN/NativeProfile/Servers', type: 'chr', value: 'vpn.contoso.test' },
        { path: 'ContosoVPN/AlwaysOn', type: 'bool', value: 'true' },
      ],
    },
  ],
};

type Counts = Record<string, number>;
type Doc = { id: string; checksum: string };
type DeviceDoc = {
  documentId: string;
  status: string;
  detail: string | null;
  result: { resources: { values?: Record<string, string> }[] } | null;
};

describe(`declared configuration end to end: ${N} emulated devices over HTTPS`, () => {
  let w: E2EServer;
  let s: ApiServer;
  let fleet: TestFleet;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    api<T>(s, method, path, body).then((r) => {
      assert.ok(r.status < 400, `${method} ${path}: ${r.status} ${r.text}`);
      return r.body;
    });
  const counts = async (id: string) =>
    (await call<{ rollup: { counts: Counts } }>('GET', `/api/v1/documents/${id}`)).rollup.counts;
  const file = (c: DeviceClient) => readFile(join(c.device.paths.sandbox, ...FILE), 'utf8');
  const deviceDoc = async (c: DeviceClient, id: string) =>
    call<DeviceDoc>('GET', `/api/v1/devices/${c.device.identity.devId}/documents/${id}`);
  /** WinDC sessions on every device until `done` holds, at most `rounds` times. */
  async function converge(done: () => Promise<boolean>, rounds = 4): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await fleet.syncAll('windc');
      if (await done()) return;
    }
    assert.fail('did not converge');
  }

  before(async () => {
    w = await startE2EServer();
    const token = (await readFile(join(w.dataDir, 'admin-token'), 'utf8')).trim();
    const port = Number(new URL(w.url).port);
    s = { server: w.server, port, dataDir: w.dataDir, caPem: w.caPem, token, close: () => w.close() };
    fleet = new TestFleet(w);
    await fleet.enroll(N);
  });
  after(async () => {
    await fleet?.close();
    await w?.close();
  });

  it('links every device enrolled with windc as primary: its first session brings up the WinDC enrollment', async () => {
    await fleet.syncAll('primary');
    for (const c of fleet.clients) {
      for (let i = 0; i < 100 && !TestFleet.windc(c); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(TestFleet.windc(c), 'the device has its WinDC account');
    }
    await fleet.syncAll('windc');
    const dev = await call<{ enrollments: { kind: string }[]; link: { state: string } }>(
      'GET',
      `/api/v1/devices/${fleet.clients[0]!.device.identity.devId}`,
    );
    assert.deepEqual(dev.enrollments.map((e) => e.kind).sort(), ['linked', 'primary']);
    assert.equal(dev.link.state, 'linked');
  });

  let dsc: Doc;
  let vpn: Doc;
  it('a DSC and a CSP document assigned to a rule-made group of all devices become compliant everywhere', async () => {
    dsc = (await call<{ document: Doc }>('POST', '/api/v1/documents', fileDoc('version one'))).document;
    vpn = (await call<{ document: Doc }>('POST', '/api/v1/documents', vpnDoc)).document;
    await call('PUT', '/api/v1/sets/baseline', {});
    await call('PUT', `/api/v1/sets/baseline/documents/${dsc.id}`);
    await call('PUT', `/api/v1/sets/baseline/documents/${vpn.id}`);
    await call('PUT', '/api/v1/groups/emulated', {});
    const rule = await call<{ evaluated: number }>('PUT', '/api/v1/groups/emulated/rules', {
      match: 'all',
      conditions: [{ attribute: 'manufacturer', op: 'equals', value: 'windc' }],
    });
    assert.equal(rule.evaluated, N);
    await call('PUT', '/api/v1/groups/emulated/settings', {
      managementService: { refreshInterval: 60, startSyncSessionOnFailure: true },
    });
    await call('PUT', '/api/v1/sets/baseline/groups/emulated');
    await converge(async () => (await counts(dsc.id)).compliant === N && (await counts(vpn.id)).compliant === N);
    for (const c of fleet.clients) {
      assert.equal(await file(c), 'version one');
      assert.equal(c.device.getNode('./Device/Vendor/MSFT/VPNv2/ContosoVPN/AlwaysOn'), 'true');
    }
    const d = await call<{ settings: { state: string; value: string }[] }>(
      'GET',
      `/api/v1/devices/${fleet.clients[0]!.device.identity.devId}`,
    );
    assert.deepEqual(
      d.settings.map((x) => [x.value, x.state]),
      [
        ['60', 'applied'],
        ['true', 'applied'],
      ],
    );
  });

  it('editing the document gives a new checksum and every device follows', async () => {
    const next = (await call<{ document: Doc }>('PUT', `/api/v1/documents/${dsc.id}`, fileDoc('version two'))).document;
    assert.equal(next.id, dsc.id);
    assert.notEqual(next.checksum, dsc.checksum);
    await converge(async () => (await counts(dsc.id)).compliant === N);
    for (const c of fleet.clients) assert.equal(await file(c), 'version two');
  });

  it('tampering with one device’s file shows drift, repaired at its next refresh', async () => {
    const victim = fleet.clients[7]!;
    await writeFile(join(victim.device.paths.sandbox, ...FILE), 'tampered');
    // The repair fails once (a locked file, say), so the device reports the drift and asks for a session
    // (StartSyncSessionOnFailure, set through the group's settings).
    victim.device.faults.configure({
      providers: [{ className: 'MSFT_FileDirectoryConfiguration', operation: 'Set', times: 1 }],
    });
    await victim.device.declared.refresh.runNow();
    await victim.sync(TestFleet.windc(victim)!.id);
    await victim.device.idle();
    await victim.sync(TestFleet.windc(victim)!.id);
    const drifted = await deviceDoc(victim, dsc.id);
    assert.equal(drifted.status, 'drifted', JSON.stringify(drifted));
    assert.match(drifted.detail ?? '', /MSFT_FileDirectoryConfiguration/);
    assert.equal((await counts(dsc.id)).drifted, 1);
    await victim.device.declared.refresh.runNow();
    assert.equal(await file(victim), 'version two', 'repaired');
    await victim.sync(TestFleet.windc(victim)!.id);
    assert.equal((await deviceDoc(victim, dsc.id)).status, 'compliant');
  });

  it('abandon stops repair and shows it', async () => {
    await call('POST', `/api/v1/documents/${dsc.id}/abandon`);
    await converge(async () => (await counts(dsc.id)).abandoned === N);
    const victim = fleet.clients[3]!;
    await writeFile(join(victim.device.paths.sandbox, ...FILE), 'changed by hand');
    await victim.device.declared.refresh.runNow();
    assert.equal(await file(victim), 'changed by hand', 'no repair once abandoned');
    assert.match((await deviceDoc(victim, dsc.id)).detail ?? '', /enforcement stopped/);
  });

  it('delete removes the document, the file stays, and the API says so', async () => {
    const r = await call<{ note: string }>('DELETE', `/api/v1/documents/${dsc.id}`);
    assert.match(r.note, /stay/);
    await converge(async () => {
      const rows = await call<{ counts: Counts; deleted: boolean; devices: DeviceDoc[] }>(
        'GET',
        `/api/v1/documents/${dsc.id}/devices`,
      );
      // Removed at once; the device drops the document from its report once the delete completed.
      return rows.deleted && rows.counts.removed === N && rows.devices.every((d) => /tattoo/.test(d.detail ?? ''));
    });
    const c = fleet.clients[0]!;
    assert.equal(await file(c), 'version two', 'tattoo: the settings stay');
    const view = await deviceDoc(c, dsc.id);
    assert.equal(view.status, 'removed');
    assert.match(view.detail ?? '', /settings stay \(tattoo\)/);
  });

  it('an inventory document returns values visible in the API', async () => {
    const inv = (
      await call<{ document: Doc }>('POST', '/api/v1/documents', {
        scenario: 'MSFTExtensibilityMIProviderInventory',
        dsc: [
          {
            namespace: DSC_NS,
            className: 'MSFT_FileDirectoryConfiguration',
            keys: { DestinationPath: 'C:\\Temp\\windc\\declared.txt' },
            values: { Contents: '' },
          },
        ],
      })
    ).document;
    await call('PUT', `/api/v1/sets/baseline/documents/${inv.id}`);
    await converge(async () => (await counts(inv.id)).compliant === N);
    const view = await deviceDoc(fleet.clients[3]!, inv.id);
    assert.equal(view.result?.resources[0]?.values?.Contents, 'changed by hand', 'what the file holds now');
    const events = await call<{ events: unknown[] }>('GET', '/api/v1/events?limit=1000&type=document.status');
    assert.ok(events.events.length >= N * 3, 'every transition is an event');
  });
});
