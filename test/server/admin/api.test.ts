import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiServer, api, fileDocument, startApiServer } from './support.ts';

type Doc = { id: string; checksum: string; revision: number; kind: string; locUri: string; abandoned: boolean };
type Err = { error: { code: string; message: string } };

describe('admin API over HTTPS', () => {
  let s: ApiServer;
  before(async () => {
    s = await startApiServer();
  });
  after(() => s.close());

  it('refuses requests without a valid bearer token, with stable codes', async () => {
    const none = await api<Err>(s, 'GET', '/api/v1/documents', undefined, {});
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'AUTH_REQUIRED');
    const bad = await api<Err>(s, 'GET', '/api/v1/documents', undefined, { authorization: 'Bearer wdc_nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'AUTH_INVALID');
    assert.equal(statSync(join(s.dataDir, 'admin-token')).mode & 0o777, 0o600, 'the generated token is private');
  });

  let doc: Doc;
  it('creates a document: windc assigns the GUID and a checksum of the canonical content', async () => {
    const r = await api<{ changed: boolean; document: Doc }>(s, 'POST', '/api/v1/documents', fileDocument('one'));
    assert.equal(r.status, 201);
    assert.equal(r.body.changed, true);
    doc = r.body.document;
    assert.match(doc.id, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    assert.match(doc.checksum, /^[0-9A-F]{64}$/);
    assert.equal(doc.kind, 'configuration');
    assert.equal(doc.locUri, `./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${doc.id}/Document`);
    const full = await api<Doc & { xml: string; rollup: { assigned: number } }>(
      s,
      'GET',
      `/api/v1/documents/${doc.id}`,
    );
    assert.match(full.body.xml, new RegExp(`id="${doc.id}" checksum="${doc.checksum}"`));
    assert.equal(full.body.rollup.assigned, 0);
  });

  it('says whether an update changed anything; a new revision keeps the id and gets a new checksum', async () => {
    const same = await api<{ changed: boolean; document: Doc }>(
      s,
      'PUT',
      `/api/v1/documents/${doc.id}`,
      fileDocument('one'),
    );
    assert.equal(same.status, 200);
    assert.equal(same.body.changed, false);
    assert.equal(same.body.document.checksum, doc.checksum);
    const next = await api<{ changed: boolean; document: Doc }>(
      s,
      'PUT',
      `/api/v1/documents/${doc.id}`,
      fileDocument('two'),
    );
    assert.equal(next.body.changed, true);
    assert.equal(next.body.document.id, doc.id);
    assert.notEqual(next.body.document.checksum, doc.checksum);
    assert.equal(next.body.document.revision, 2);
    const touched = await api<{ changed: boolean; document: Doc }>(s, 'POST', `/api/v1/documents/${doc.id}/touch`);
    assert.notEqual(touched.body.document.checksum, next.body.document.checksum, 'a touch is a new version string');
    const again = await api<{ changed: boolean; document: Doc }>(
      s,
      'PUT',
      `/api/v1/documents/${doc.id}`,
      fileDocument('two'),
    );
    assert.equal(again.body.changed, false, 'same content after a touch: unchanged, the touched checksum stays');
    assert.equal(again.body.document.checksum, touched.body.document.checksum);
  });

  it('refuses what a device would refuse, and the documented pitfalls, with specific codes', async () => {
    const cases: Array<[unknown, string]> = [
      [{ ...fileDocument('x'), scenario: 'MSFTNoSuchThing' }, 'DC_UNKNOWN_SCENARIO'],
      [{ ...fileDocument('x'), scope: 'user' }, 'DC_SCENARIO_SCOPE'],
      [{ ...fileDocument('@#path#'), name: 'templated' }, 'DOCUMENT_TEMPLATE'],
      [
        {
          scenario: 'MSFTVPN',
          csp: [{ name: './User/Vendor/MSFT/VPNv2', uris: [{ path: 'P/x', type: 'chr', value: 'a' }] }],
        },
        'DC_BAD_DOCUMENT',
      ],
      [
        {
          scenario: 'MSFTVPN',
          csp: [{ name: './Vendor/MSFT/VPNv2', uris: [{ path: 'P/x', type: 'true', value: 'a' }] }],
        },
        'DC_BAD_DOCUMENT',
      ],
      [{ ...fileDocument('x'), xml: '<DeclaredConfiguration/>' }, 'DOCUMENT_AMBIGUOUS'],
      [{ name: 'nothing' }, 'DOCUMENT_INCOMPLETE'],
      [{ ...fileDocument('x'), colour: 'red' }, 'BAD_REQUEST'],
      [{ ...fileDocument('x'), dsc: [{ ...fileDocument('x').dsc[0], kyes: {} }] }, 'BAD_REQUEST'],
      [
        {
          scope: 'device',
          xml: `<DeclaredConfiguration schema="1.0" context="User" id="27FEA311-68B9-4320-9FC4-296F6FDFAFE2" checksum="A0" osdefinedscenario="MSFTVPN"><CSP name="./Vendor/MSFT/VPNv2"><URI path="P/x" type="chr">a</URI></CSP></DeclaredConfiguration>`,
        },
        'DC_SCOPE_MISMATCH',
      ],
      [
        {
          xml: `<DeclaredConfiguration schema="1.0" context="Device" id="27FEA311-68B9-4320-9FC4-296F6FDFAFE2" checksum="A0" osdefinedscenariio="MSFTVPN"/>`,
        },
        'DC_BAD_DOCUMENT',
      ],
    ];
    for (const [body, code] of cases) {
      const r = await api<Err>(s, 'POST', '/api/v1/documents', body);
      assert.equal(r.status, 400, `${code}: ${r.text}`);
      assert.equal(r.body.error.code, code, r.body.error.message);
    }
    const list = await api<{ documents: Doc[] }>(s, 'GET', '/api/v1/documents');
    assert.equal(list.body.documents.length, 1, 'refused input changed nothing');
  });

  it('accepts a whole XML document and replaces its id and checksum', async () => {
    const xml = `<DeclaredConfiguration schema="1.0" context="Device" id="27FEA311-68B9-4320-9FC4-296F6FDFAFE2" checksum="99925209110918B67FE962460137AA3440AFF4DB6ABBE15C8F499682457B9999" osdefinedscenario="MSFTExtensibilityMIProviderInventory">
    <DSC namespace="root/Microsoft/Windows/DesiredStateConfiguration" className="MSFT_FileDirectoryConfiguration">
        <Key name="DestinationPath">c:/temp/foobar.tmp</Key>
        <Value name="Contents"></Value>
    </DSC>
</DeclaredConfiguration>`;
    const r = await api<{ document: Doc }>(s, 'POST', '/api/v1/documents', { xml });
    assert.equal(r.status, 201);
    assert.notEqual(r.body.document.id, '27FEA311-68B9-4320-9FC4-296F6FDFAFE2');
    assert.equal(r.body.document.kind, 'inventory');
    assert.match(r.body.document.locUri, /Host\/Inventory\/Documents\//);
    const abandon = await api<Err>(s, 'POST', `/api/v1/documents/${r.body.document.id}/abandon`);
    assert.equal(abandon.status, 400);
    assert.equal(abandon.body.error.code, 'DOCUMENT_NOT_ABANDONABLE');
    const inventoryWithValues = await api<Err>(s, 'POST', '/api/v1/documents', {
      ...fileDocument('not for reading'),
      scenario: 'MSFTExtensibilityMIProviderInventory',
    });
    assert.equal(inventoryWithValues.body.error.code, 'DOCUMENT_INVENTORY_VALUES');
  });

  it('abandons and unabandons, saying whether anything changed', async () => {
    const a = await api<{ changed: boolean; document: Doc }>(s, 'POST', `/api/v1/documents/${doc.id}/abandon`);
    assert.deepEqual([a.body.changed, a.body.document.abandoned], [true, true]);
    assert.equal(
      (await api<{ changed: boolean }>(s, 'POST', `/api/v1/documents/${doc.id}/abandon`)).body.changed,
      false,
    );
    assert.equal(
      (await api<{ changed: boolean }>(s, 'POST', `/api/v1/documents/${doc.id}/unabandon`)).body.changed,
      true,
    );
  });

  it('builds sets and groups KMFDDM-style, with changed flags and NOT_FOUND for what is missing', async () => {
    const put = (path: string, body?: unknown) => api<{ changed: boolean }>(s, 'PUT', path, body);
    assert.equal((await put('/api/v1/sets/base', { description: 'every device' })).body.changed, true);
    assert.equal((await put('/api/v1/sets/base', { description: 'every device' })).body.changed, false);
    assert.equal((await put(`/api/v1/sets/base/documents/${doc.id}`)).body.changed, true);
    assert.equal((await put(`/api/v1/sets/base/documents/${doc.id}`)).body.changed, false);
    assert.equal((await put('/api/v1/groups/laptops', {})).body.changed, true);
    assert.equal((await put('/api/v1/sets/base/groups/laptops')).body.changed, true);
    const set = await api<{ documents: string[]; groups: string[] }>(s, 'GET', '/api/v1/sets/base');
    assert.deepEqual(set.body.documents, [doc.id]);
    assert.deepEqual(set.body.groups, ['laptops']);
    const missing = await api<Err>(s, 'PUT', '/api/v1/sets/none/groups/laptops');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
    assert.equal((await api<Err>(s, 'GET', '/api/v1/devices/NO-SUCH-DEVICE')).body.error.code, 'NOT_FOUND');
    assert.equal((await api<Err>(s, 'PUT', '/api/v1/sets/bad%2Fname')).body.error.code, 'BAD_REQUEST');
  });

  it('counts devices the document reaches but that have not reported yet as pending, in lists too', async () => {
    const deviceId = 'NEVER-REPORTED-DEVICE';
    await s.server.context.store.devices.enroll({ deviceId, kind: 'linked' });
    assert.equal((await api<{ changed: boolean }>(s, 'PUT', `/api/v1/groups/laptops/members/${deviceId}`)).status, 200);
    type Rollup = { counts: Record<string, number>; notReported: number };
    const one = await api<{ rollup: Rollup }>(s, 'GET', `/api/v1/documents/${doc.id}`);
    assert.equal(one.body.rollup.counts.pending, 1);
    assert.equal(one.body.rollup.notReported, 1);
    const list = await api<{ documents: Array<{ id: string; rollup: Rollup }> }>(s, 'GET', '/api/v1/documents');
    const listed = list.body.documents.find((d) => d.id === doc.id);
    assert.deepEqual(listed?.rollup.counts, one.body.rollup.counts, 'the list counts as the document page does');
    assert.equal(listed?.rollup.notReported, 1);
    type Devices = { counts: Record<string, number>; devices: Array<{ deviceId: string; status: string }> };
    const perDevice = await api<Devices>(s, 'GET', `/api/v1/documents/${doc.id}/devices`);
    assert.deepEqual(
      perDevice.body.devices.map((d) => [d.deviceId, d.status]),
      [[deviceId, 'pending']],
      'the document page lists the devices it counts',
    );
    assert.equal(perDevice.body.counts.pending, 1);
    const onlyPending = await api<Devices>(s, 'GET', `/api/v1/documents/${doc.id}/devices?status=pending`);
    assert.equal(onlyPending.body.devices.length, 1);
    const compliant = await api<Devices>(s, 'GET', `/api/v1/documents/${doc.id}/devices?status=compliant`);
    assert.deepEqual(compliant.body.devices, []);
    const page = await api<{ documents: Array<{ documentId: string; status: string }> }>(
      s,
      'GET',
      `/api/v1/devices/${deviceId}`,
    );
    assert.deepEqual(
      page.body.documents.map((d) => [d.documentId, d.status]),
      [[doc.id, 'pending']],
    );
    const devices = await api<{ devices: Array<{ deviceId: string; statuses: Record<string, number> }> }>(
      s,
      'GET',
      '/api/v1/devices',
    );
    const row = devices.body.devices.find((d) => d.deviceId === deviceId);
    assert.deepEqual(row?.statuses, { pending: 1 }, 'the device list counts as the device page does');
  });

  it('validates group rules and settings before accepting them', async () => {
    const bad = await api<Err>(s, 'PUT', '/api/v1/groups/laptops/rules', {
      match: 'all',
      conditions: [{ attribute: 'model', op: 'matches', value: '(' }],
    });
    assert.equal(bad.body.error.code, 'RULE_INVALID');
    const rule = await api<{ changed: boolean; evaluated: number }>(s, 'PUT', '/api/v1/groups/laptops/rules', {
      match: 'all',
      conditions: [{ attribute: 'manufacturer', op: 'equals', value: 'Contoso' }],
    });
    assert.equal(rule.body.changed, true);
    const short = await api<Err>(s, 'PUT', '/api/v1/groups/laptops/settings', {
      managementService: { refreshInterval: 10 },
    });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.code, 'SETTING_INVALID');
    assert.match(short.body.error.message, /30-4294967295/);
    const poll = await api<Err>(s, 'PUT', '/api/v1/groups/laptops/settings', { dmClient: { pollSchedule: '0x0' } });
    assert.equal(poll.body.error.code, 'POLL_SCHEDULE_INVALID');
    const ok = await api<{ changed: boolean; notes: string[] }>(s, 'PUT', '/api/v1/groups/laptops/settings', {
      precedence: 10,
      managementService: { refreshInterval: 60, startSyncSessionOnFailure: true },
      dmClient: { pollSchedule: '15x8,480', enableOmaDmKeepAliveMessage: true },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.changed, true);
    const g = await api<{ settings: { precedence: number }; rules: unknown }>(s, 'GET', '/api/v1/groups/laptops');
    assert.equal(g.body.settings.precedence, 10);
    assert.deepEqual(g.body.rules, {
      match: 'all',
      conditions: [{ attribute: 'manufacturer', op: 'equals', value: 'Contoso' }],
    });
  });

  it('explains delete as what it is', async () => {
    const r = await api<{ changed: boolean; note: string }>(s, 'DELETE', `/api/v1/documents/${doc.id}`);
    assert.equal(r.body.changed, true);
    assert.match(r.body.note, /settings it applied stay/);
    assert.match(r.body.note, /abandon/);
    assert.equal((await api<{ changed: boolean }>(s, 'DELETE', `/api/v1/documents/${doc.id}`)).body.changed, false);
    assert.equal((await api<Err>(s, 'GET', `/api/v1/documents/${doc.id}`)).status, 404);
  });

  it('prints the linking SyncML for another MDM, and keeps server settings', async () => {
    const r = await api<{ syncml: string; fleetProfile: string; discoveryUrl: string }>(
      s,
      'GET',
      '/api/v1/link-syncml?providerId=MS%20DM%20Server',
    );
    assert.equal(r.body.discoveryUrl, 'https://windc.test/EnrollmentConfiguration?api-version=1.0');
    assert.match(r.body.syncml, /Provider\/MS%20DM%20Server\/LinkedEnrollment\/DiscoveryEndpoint/);
    assert.match(r.body.syncml, /<Exec><CmdID>3<\/CmdID>/);
    assert.doesNotMatch(r.body.fleetProfile, /CmdID/);
    assert.match(r.body.fleetProfile, /^<Replace>.*<\/Replace>\n<Exec>.*LinkedEnrollment\/Enroll.*<\/Exec>\n$/s);
    const on = await api<{ autoLink: boolean }>(s, 'GET', '/api/v1/settings');
    assert.equal(on.body.autoLink, true);
    assert.equal(
      (await api<{ changed: boolean }>(s, 'PUT', '/api/v1/settings', { autoLink: false })).body.changed,
      true,
    );
    assert.equal(
      (await api<{ changed: boolean }>(s, 'PUT', '/api/v1/settings', { autoLink: false })).body.changed,
      false,
    );
  });

  it('creates and revokes admin tokens; a token is shown once', async () => {
    const t = await api<{ token: string; id: number }>(s, 'POST', '/api/v1/tokens', { name: 'ci' });
    assert.equal(t.status, 201);
    const other = { authorization: `Bearer ${t.body.token}` };
    assert.equal((await api(s, 'GET', '/api/v1/settings', undefined, other)).status, 200);
    const list = await api<{ tokens: Record<string, unknown>[] }>(s, 'GET', '/api/v1/tokens');
    assert.ok(list.body.tokens.every((x) => !('token' in x) && !('tokenHash' in x)));
    assert.equal((await api<{ changed: boolean }>(s, 'DELETE', `/api/v1/tokens/${t.body.id}`)).body.changed, true);
    assert.equal((await api<Err>(s, 'GET', '/api/v1/settings', undefined, other)).body.error.code, 'AUTH_INVALID');
  });
});
