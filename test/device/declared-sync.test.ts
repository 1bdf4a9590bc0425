import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cmd, codes, docUri, fileDoc, fixture, type Harness, harness, send, stateOf, summary } from './support.ts';

const VPN_ID = '0B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E';
const MSC = './Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration';

describe('DeclaredConfiguration: the synchronous syntax check', () => {
  let h: Harness;
  let vpn: string;
  before(async () => {
    h = await harness();
    vpn = await fixture('vpn-user.xml');
  });
  after(() => h.cleanup());

  const lastAdmin = () => h.device.events.entries({ channel: 'Admin' }).at(-1)?.message;

  it('Device LocURI, User document: 404 and seed 001\'s "cannot find the file" line', () => {
    const uri = docUri('Device', 'Complete', VPN_ID);
    assert.deepEqual(codes(send(h.ep, cmd.replace(uri, vpn))), [404]);
    assert.equal(
      lastAdmin(),
      'MDM ConfigurationManager: Command failure status. Configuration Source ID: ' +
        `(${h.windc.id}), Enrollment Name: (MicrosoftManagementPlatformCloud), Provider Name: (DeclaredConfiguration), ` +
        `Command Type: (SetValue: from Replace), CSP URI: (${uri}), Result: (The system cannot find the file specified.)`,
    );
    assert.equal(summary(h.ep), undefined);
  });

  it("id differs from the DocID: 500 and seed 001's End document parsing line with 0x8000FFFF", () => {
    const other = '11111111-2222-4333-8444-555555555555';
    assert.deepEqual(codes(send(h.ep, cmd.replace(docUri('User', 'Complete', other), vpn))), [500]);
    const size = Buffer.byteLength(vpn, 'utf8').toString(16).toUpperCase();
    assert.equal(
      lastAdmin(),
      `MDM Declared Configuration: End document parsing from CSP: Document Id: (${VPN_ID}), Scenario: (MSFTVPN), ` +
        `Version: (V1), Enrollment Id: (${h.windc.id}), Current User: (${h.device.identity.userSid}), Schema: (1.0), ` +
        `Download URL: (), Scope: (0x2), Enroll Type: (0x1A), File size: (0x${size}), CSP Count: (0x1), ` +
        'URI Count: (0x4), Action Requested: (0x0), Model: (0x1), Result:(0x8000FFFF) Catastrophic failure.',
    );
  });

  it('an unknown scenario is 400, logged as a command failure and an invalid scenario name', () => {
    const id = '22222222-3333-4444-8555-666666666666';
    const doc = fileDoc(id, { DestinationPath: 'C:\\x.txt' }, { scenario: 'MSFTNoSuchScenario' });
    assert.deepEqual(codes(send(h.ep, cmd.replace(docUri('Device', 'Complete', id), doc))), [400]);
    const ops = h.device.events.entries({ channel: 'Operational' }).at(-1)?.message;
    assert.match(ops ?? '', /Invalid scenario name \(MSFTNoSuchScenario\)/);
    assert.match(lastAdmin() ?? '', /Result: \(The parameter is incorrect\.\)$/);
  });

  it('malformed XML, a DOCTYPE, a missing checksum, a DSC body in a resource-access scenario: 400', () => {
    const id = '33333333-4444-4555-8666-777777777777';
    const uri = docUri('Device', 'Complete', id);
    const bad = [
      '<DeclaredConfiguration schema="1.0"',
      `<!DOCTYPE x []>${fileDoc(id, { DestinationPath: 'C:\\a' })}`,
      fileDoc(id, { DestinationPath: 'C:\\a' }).replace(' checksum="A1"', ''),
      fileDoc(id, { DestinationPath: 'C:\\a' }, { scenario: 'MSFTVPN' }),
      '',
    ];
    for (const text of bad) assert.deepEqual(codes(send(h.ep, cmd.replace(uri, text))), [400], text);
    assert.equal(stateOf(h.ep, id), undefined);
  });

  it('an extensibility scenario in User context is refused (Device only, extensibility page)', () => {
    const id = '44444444-5555-4666-8777-888888888888';
    const doc = fileDoc(id, { DestinationPath: 'C:\\a' }, { context: 'User' });
    assert.deepEqual(codes(send(h.ep, cmd.replace(docUri('User', 'Complete', id), doc))), [400]);
  });

  it('Add and Replace both create; Add of an existing document is 418; Replace updates', async () => {
    const id = '55555555-6666-4777-8888-999999999999';
    const uri = docUri('Device', 'Complete', id);
    const doc = fileDoc(id, { DestinationPath: 'C:\\Temp\\sync.txt', Contents: 'a' });
    assert.deepEqual(codes(send(h.ep, cmd.add(uri, doc, 'chr'))), [200]);
    assert.equal(stateOf(h.ep, id), 1);
    assert.deepEqual(codes(send(h.ep, cmd.add(uri, doc))), [418]);
    const v2 = fileDoc(id, { DestinationPath: 'C:\\Temp\\sync.txt', Contents: 'b' }, { checksum: 'A2' });
    assert.deepEqual(codes(send(h.ep, cmd.replace(uri, v2))), [200]);
    assert.equal(summary(h.ep)?.documents.find((d) => d.id === id)?.checksum, 'A2');
    assert.equal(send(h.ep, cmd.get(uri)).results[0]?.items[0]?.data, v2);
    const parsing = h.device.events.entries({ channel: 'Operational', level: 'Information' }).at(-1)?.message;
    assert.match(
      parsing ?? '',
      /End document parsing from CSP: Document Id: \(5{8}-.*Result:\(0x0\) The operation completed successfully\.$/,
    );
  });

  it('a document written with a non-text Meta/Format is 415', () => {
    const id = '66666666-7777-4888-8999-aaaaaaaaaaaa';
    const doc = fileDoc(id, { DestinationPath: 'C:\\a' });
    assert.deepEqual(codes(send(h.ep, cmd.replace(docUri('Device', 'Complete', id), doc, 'int'))), [415]);
  });

  it('on a primary enrollment RefreshInterval, Host/BulkTemplate and the User root are 406 (26200 probes capture)', () => {
    const r = send(
      h.primaryEp,
      cmd.get(`${MSC}/RefreshInterval`),
      cmd.get('./Device/Vendor/MSFT/DeclaredConfiguration/Host/BulkTemplate'),
      cmd.get('./User/Vendor/MSFT/DeclaredConfiguration'),
    );
    assert.deepEqual(codes(r), [406, 406, 406]);
    assert.equal(r.results.length, 0);
  });

  it('on the linked WinDC enrollment they are supported, with seed 002 defaults', () => {
    const r = send(
      h.ep,
      cmd.get(`${MSC}/RefreshInterval`, `${MSC}/CertificateExpirationThreshold`, `${MSC}/StartSyncSessionOnFailure`),
    );
    assert.deepEqual(
      r.results[0]?.items.map((i) => [i.data, i.meta?.format]),
      [
        ['240', 'int'],
        ['2880', 'int'],
        ['false', 'bool'],
      ],
    );
    assert.deepEqual(codes(send(h.ep, cmd.replace(`${MSC}/ConflictResolution`, '1', 'int'))), [200]);
    assert.deepEqual(codes(send(h.ep, cmd.get('./User/Vendor/MSFT/DeclaredConfiguration/Host/Complete'))), [200]);
  });

  it('Results before processing finished, and nodes of unknown documents, are 404', () => {
    const id = '77777777-8888-4999-8aaa-bbbbbbbbbbbb';
    send(h.ep, cmd.replace(docUri('Device', 'Complete', id), fileDoc(id, { DestinationPath: 'C:\\r.txt' })));
    const base = './Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete';
    assert.deepEqual(codes(send(h.ep, cmd.get(`${base}/Results/${id}/Document`))), [404]);
    const unknown = '88888888-9999-4aaa-8bbb-cccccccccccc';
    assert.deepEqual(codes(send(h.ep, cmd.get(`${base}/Documents/${unknown}/Document`))), [404]);
    assert.deepEqual(codes(send(h.ep, cmd.delete(`${base}/Documents/${unknown}/Document`))), [404]);
    assert.deepEqual(codes(send(h.ep, cmd.get(`${base}/Documents/not-a-guid/Document`))), [404]);
    assert.deepEqual(codes(send(h.ep, cmd.replace(`${base}/Results/${id}/Document`, 'x'))), [405]);
  });

  it('interior nodes list their children', () => {
    const base = './Device/Vendor/MSFT/DeclaredConfiguration';
    assert.equal(send(h.ep, cmd.get(base)).results[0]?.items[0]?.data, 'Host/ManagementServiceConfiguration');
    assert.equal(send(h.ep, cmd.get(`${base}/Host`)).results[0]?.items[0]?.data, 'Complete/Inventory/BulkTemplate');
    const docs = send(h.ep, cmd.get(`${base}/Host/Complete/Documents`)).results[0]?.items[0]?.data ?? '';
    assert.ok(docs.split('/').includes('77777777-8888-4999-8aaa-bbbbbbbbbbbb'));
  });
});
