import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildCommand } from '../../src/protocol/syncml/index.ts';
import { cmd, codes, type Harness, harness, send } from './support.ts';

const DMC = './Device/Vendor/MSFT/DMClient/Provider/MS%20DM%20SERVER';
const REFRESH = './Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval';
const VPN = './Device/Vendor/MSFT/VPNv2/CorpVPN';

describe('CSP tree: OMA DM status codes', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.cleanup());

  it('Get of a missing node is 404 (26200 capture: Push/ChannelURI with no push configured)', () => {
    assert.deepEqual(codes(send(h.primaryEp, cmd.get(`${DMC}/Push/ChannelURI`))), [404]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.get('./Device/Vendor/MSFT/NoSuchCsp/X'))), [404]);
  });

  it('Add of an existing node is 418', () => {
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(`${DMC}/EntDMID`, 'dev-1'))), [200]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(`${DMC}/EntDMID`, 'dev-2'))), [418]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(DMC))), [418]);
  });

  it('Replace of a read-only node is 405, and so is Exec of a node without Exec', () => {
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(`${DMC}/AADDeviceID`, 'x'))), [405]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace('./DevDetail/SwV', '11.0'))), [405]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.exec(`${DMC}/EntDMID`))), [405]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.exec(`${VPN}/DnsSuffix`))), [405]);
  });

  it('a declared Meta/Format other than the node format is 415; a value the node rejects is 400', () => {
    assert.deepEqual(codes(send(h.ep, cmd.replace(REFRESH, '60', 'chr'))), [415]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(REFRESH, 'soon', 'int'))), [400]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(REFRESH, '29', 'int'))), [400]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(REFRESH, '4294967296', 'int'))), [400]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(REFRESH, '30', 'int'))), [200]);
  });

  it('leaves with a default read it until set, and Delete restores it (seed 001 RefreshInterval)', () => {
    const get = () => send(h.ep, cmd.get(REFRESH)).results[0]?.items[0];
    send(h.ep, cmd.delete(REFRESH));
    assert.equal(get()?.data, '240');
    assert.equal(get()?.meta?.format, 'int');
    send(h.ep, cmd.replace(REFRESH, '45', 'int'));
    assert.equal(get()?.data, '45');
    assert.deepEqual(codes(send(h.ep, cmd.delete(REFRESH))), [200]);
    assert.equal(get()?.data, '240');
  });

  it('Replace under a missing dynamic node is 404; Add creates it implicitly (Windows supports implicit Add)', () => {
    const other = './Device/Vendor/MSFT/DMClient/Provider/Other/ManagementServiceAddress';
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(other, 'x'))), [404]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(other, 'x'))), [200]);
    assert.equal(send(h.primaryEp, cmd.get('./Device/Vendor/MSFT/DMClient/Provider/Other')).statuses[0]?.code, 200);
  });

  it('generic CSPs: implicit parents, Replace creates ("Add: from Replace or Add"), Delete removes the subtree', () => {
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(`${VPN}/DnsSuffix`, 'corp.test'))), [200]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(`${VPN}/AlwaysOn`, 'true', 'bool'))), [200]);
    const listing = send(h.primaryEp, cmd.get(VPN)).results[0]?.items[0];
    assert.equal(listing?.data, 'DnsSuffix/AlwaysOn');
    assert.equal(listing?.meta?.format, 'node');
    const alwaysOn = send(h.primaryEp, cmd.get(`${VPN}/AlwaysOn`)).results[0]?.items[0];
    assert.deepEqual([alwaysOn?.data, alwaysOn?.meta?.format], ['true', 'bool']);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(`${VPN}/AlwaysOn`, 'false', 'bool'))), [418]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(`${VPN}/Metric`, 'abc', 'int'))), [404]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.add(`${VPN}/IPv4InterfaceMetric`, 'abc', 'int'))), [400]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.delete(VPN))), [200]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.get(`${VPN}/DnsSuffix`))), [404]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.delete(VPN))), [404]);
  });

  it('a misspelt node below a generic instance is 404 (seed 001: TrafficFilterLists)', () => {
    const r = send(h.primaryEp, cmd.add('./User/Vendor/MSFT/VPNv2/P/TrafficFilterLists/0/Protocol', '17', 'int'));
    assert.deepEqual(codes(r), [404]);
    const line = h.device.events.entries({ channel: 'Admin' }).at(-1)?.message;
    assert.match(line ?? '', /CSP Name: \(VPNv2\).*Result: \(Unknown Win32 Error code: 0x86000002\)\.$/);
  });

  it('standard objects: DevInfo and DevDetail as the 26200 capture reports them', () => {
    const r = send(
      h.ep,
      cmd.get('./DevDetail/SwV', './DevDetail/LrgObj', './DevDetail/URI/MaxSegLen', './DevInfo/DmV'),
    );
    assert.deepEqual(codes(r), [200]);
    const items = r.results[0]?.items ?? [];
    assert.deepEqual(
      items.map((i) => [i.source?.locUri, i.data, i.meta?.format]),
      [
        ['./DevDetail/SwV', '10.0.26200.9278', undefined],
        ['./DevDetail/LrgObj', 'false', 'bool'],
        ['./DevDetail/URI/MaxSegLen', '0', undefined],
        ['./DevInfo/DmV', '1.3', undefined],
      ],
    );
  });

  it('xml values travel entity-escaped with Meta Format xml (CSPVersions, 26200 capture)', () => {
    const r = send(h.ep, cmd.get('./Device/Vendor/MSFT/DeviceManageability/Capabilities/CSPVersions'));
    const item = r.results[0]?.items[0];
    assert.equal(item?.meta?.format, 'xml');
    assert.match(item?.data ?? '', /<CSP Node="\.\/Device\/Vendor\/MSFT\/DeclaredConfiguration" Version="1\.0">/);
    const wire = buildCommand(r.results[0] as never);
    assert.match(wire, /&lt;DeviceManageability Version=/);
    assert.doesNotMatch(wire, /CDATA/);
  });

  it('node names compare case-insensitively, as Windows configuration manager does', () => {
    send(h.primaryEp, cmd.replace('./device/vendor/msft/vpnv2/CaseVPN/DnsSuffix', 'a.test'));
    const got = send(h.primaryEp, cmd.get('./Device/Vendor/MSFT/VPNv2/casevpn/dnssuffix'));
    assert.equal(got.results[0]?.items[0]?.data, 'a.test');
    assert.equal(got.results[0]?.items[0]?.source?.locUri, './Device/Vendor/MSFT/VPNv2/casevpn/dnssuffix');
  });
});
