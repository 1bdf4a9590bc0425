import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { cmd, codes, docUri, fixture, type Harness, harness, result, send, settle, stateOf } from './support.ts';

const VPN_ID = '0B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E';
const PROFILE = './User/Vendor/MSFT/VPNv2/ContosoVPN';
const BULK_ID = '2E4F6A8B-0C1D-4E2F-9A3B-4C5D6E7F8091';

describe('DeclaredConfiguration: resource access and ownership', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  async function applyVpn(name = 'vpn-user.xml'): Promise<void> {
    assert.deepEqual(codes(send(h.ep, cmd.replace(docUri('User', 'Complete', VPN_ID), await fixture(name)))), [200]);
    await settle(h);
  }

  it('a CSP document writes its URIs into the tree, each with status 200 and state 60', async () => {
    await applyVpn();
    assert.equal(stateOf(h.ep, VPN_ID), 60);
    const got = send(h.primaryEp, cmd.get(`${PROFILE}/NativeProfile/Servers`, `${PROFILE}/AlwaysOn`));
    assert.deepEqual(
      got.results[0]?.items.map((i) => [i.data, i.meta?.format]),
      [
        ['vpn.contoso.test', undefined],
        ['true', 'bool'],
      ],
    );
    const r = result(h.ep, 'User', 'Complete', VPN_ID);
    assert.equal(r?.blocks[0]?.kind, 'CSP');
    if (r?.blocks[0]?.kind !== 'CSP') return;
    assert.equal(r.blocks[0].state, 60);
    assert.deepEqual(
      r.blocks[0].uris.map((u) => [u.path, u.status, u.state, u.type, u.value]),
      [
        ['ContosoVPN/NativeProfile/Servers', '200', 60, 'chr', ''],
        ['ContosoVPN/NativeProfile/NativeProtocolType', '200', 60, 'chr', ''],
        ['ContosoVPN/AlwaysOn', '200', 60, 'bool', ''],
        ['ContosoVPN/TrafficFilterList/0/Protocol', '200', 60, 'int', ''],
      ],
    );
  });

  it('a mistyped path fails that URI with 0x86000002 and the document with 61, logged as seed 001 shows', async () => {
    await applyVpn('vpn-typo.xml');
    assert.equal(stateOf(h.ep, VPN_ID), 61);
    const r = result(h.ep, 'User', 'Complete', VPN_ID);
    if (r?.blocks[0]?.kind !== 'CSP') return assert.fail('expected a CSP block');
    assert.deepEqual(
      r.blocks[0].uris.map((u) => [u.status, u.state]),
      [
        ['200', 60],
        ['0x86000002', 61],
      ],
    );
    const admin = h.device.events.entries({ channel: 'Admin' }).at(-1)?.message;
    assert.equal(
      admin,
      `MDM ConfigurationManager: Command failure status. Configuraton Source ID: (${h.windc.id}), ` +
        'Enrollment Type: (MicrosoftManagementPlatformCloud), CSP Name: (vpnv2), Command Type: (Add: from Replace or Add), ' +
        'CSP URI: (./user/vendor/msft/vpnv2/ContosoVPN/TrafficFilterLists/0/Protocol), Result: (Unknown Win32 Error code: 0x86000002).',
    );
    const op = h.device.events.entries({ channel: 'Operational' }).at(-1)?.message;
    assert.equal(
      op,
      'MDM Declared Configuration: Function (DeclaredConfigurationExtension_PolicyCSPConfigureGivenCurrentDoc) ' +
        'operation (ErrorAtDocLevel: one or more CSPs failed) failed with (Unknown Win32 Error code: 0x82d00007)',
    );
  });

  it('a live document owns its resource: direct writes fail with 500 / 0x86000031, reads do not', async () => {
    await applyVpn();
    const r = send(h.primaryEp, cmd.replace(`${PROFILE}/AlwaysOn`, 'false', 'bool'), cmd.delete(PROFILE));
    assert.deepEqual(codes(r), [500, 500]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(`${PROFILE}/DnsSuffix`, 'x'))), [500]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.get(`${PROFILE}/AlwaysOn`))), [200]);
    assert.match(
      h.device.events.entries({ channel: 'Admin' }).at(-1)?.message ?? '',
      /Enrollment Type: \(MDMDeviceWithAAD\), CSP Name: \(VPNv2\), .*Result: \(Unknown Win32 Error code: 0x86000031\)\.$/,
    );
    send(
      h.primaryEp,
      cmd.replace('./Device/Vendor/MSFT/DMClient/Provider/MS%20DM%20SERVER/SyncApplicationVersion', '3.0'),
    );
    const again = send(h.primaryEp, cmd.replace(`${PROFILE}/AlwaysOn`, 'false', 'bool'));
    assert.deepEqual(again.statuses[0]?.msft, { originalerror: '0x86000031' });
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace('./User/Vendor/MSFT/VPNv2/Other/AlwaysOn', 'true'))), [200]);
  });

  it('abandoning releases ownership; unabandoning takes it back and re-applies', async () => {
    await applyVpn();
    const abandoned = `./User/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${VPN_ID}/Properties/Abandoned`;
    send(h.ep, cmd.replace(abandoned, '1', 'int'));
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(`${PROFILE}/AlwaysOn`, 'false', 'bool'))), [200]);
    send(h.ep, cmd.replace(abandoned, '0', 'int'));
    await settle(h);
    assert.equal(send(h.primaryEp, cmd.get(`${PROFILE}/AlwaysOn`)).results[0]?.items[0]?.data, 'true');
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(`${PROFILE}/AlwaysOn`, 'false', 'bool'))), [500]);
  });

  it('deleting the document releases ownership and leaves the profile in place (tattoo)', async () => {
    await applyVpn();
    send(h.ep, cmd.delete(docUri('User', 'Complete', VPN_ID)));
    await settle(h);
    assert.equal(
      send(h.primaryEp, cmd.get(`${PROFILE}/NativeProfile/Servers`)).results[0]?.items[0]?.data,
      'vpn.contoso.test',
    );
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(`${PROFILE}/AlwaysOn`, 'false', 'bool'))), [200]);
  });

  it('MSFTInventory reads the values back, and a missing one fails its URI with 81', async () => {
    await applyVpn();
    const id = '3C4D5E6F-7A8B-4C9D-8E0F-1A2B3C4D5E6F';
    const inv =
      `<DeclaredConfiguration schema="1.0" context="User" id="${id}" checksum="N1" osdefinedscenario="MSFTInventory">` +
      '<CSP name="./Vendor/MSFT/VPNv2"><URI path="ContosoVPN/AlwaysOn" type="bool"></URI>' +
      '<URI path="ContosoVPN/DnsSuffix" type="chr"></URI></CSP></DeclaredConfiguration>';
    send(h.ep, cmd.replace(docUri('User', 'Inventory', id), inv));
    await settle(h);
    assert.equal(stateOf(h.ep, id), 81);
    const r = result(h.ep, 'User', 'Inventory', id);
    if (r?.blocks[0]?.kind !== 'CSP') return assert.fail('expected a CSP block');
    assert.deepEqual(
      r.blocks[0].uris.map((u) => [u.value, u.status, u.state]),
      [
        ['true', '200', 80],
        ['', '0x86000002', 81],
      ],
    );
  });

  it('a bulk template applies once per instance from BulkVariables/Value', async () => {
    const uri = docUri('Device', 'BulkTemplate', BULK_ID);
    assert.deepEqual(codes(send(h.ep, cmd.replace(uri, await fixture('bulk-template.xml')))), [200]);
    const vars = uri.replace(/Document$/, 'BulkVariables/Value');
    assert.deepEqual(codes(send(h.ep, cmd.replace(vars, '<InstanceBlob schema="1.0"><Instance/>'))), [400]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(vars, await fixture('bulk-variables.xml'), 'chr'))), [200]);
    await settle(h);
    assert.equal(stateOf(h.ep, BULK_ID), 60);
    const base = './Device/Vendor/MSFT/ActiveSync/Accounts';
    const got = send(h.primaryEp, cmd.get(`${base}/{A1B2C3D4-0000-4000-8000-000000000002}/EmailAddress`));
    assert.equal(got.results[0]?.items[0]?.data, 'bob@contoso.test');
    const r = result(h.ep, 'Device', 'BulkTemplate', BULK_ID);
    assert.equal(r?.blocks.length, 2);
  });
});
