import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildMdmProvisioningDoc,
  certificateThumbprint,
  characteristic,
  DEFAULT_POLL_SCHEDULE,
  findCharacteristic,
  findParm,
  type MdmProvisioningInput,
  mdmProvisioningProblems,
  parm,
  parseProvisioningDoc,
  readMdmProvisioning,
  serializeProvisioningDoc,
  sslClientCertSearchCriteria,
} from '../../../src/protocol/mde2/index.ts';
import { codeOf, ownFixture, SHARED_MISSING, sharedFile } from './helpers.ts';

const ROOT = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
const CLIENT = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x02]);

function input(overrides: Partial<MdmProvisioningInput> = {}): MdmProvisioningInput {
  return {
    rootCertificate: ROOT,
    clientCertificate: CLIENT,
    clientStore: 'System',
    application: {
      providerId: 'windc',
      name: 'windc <declared configuration>',
      addr: 'https://windc.fabrikam.test/ManagementServer/MDM.svc?mode=x&y=1',
      sslClientCertSearchCriteria: sslClientCertSearchCriteria('0123456789ABCDEF0123456789ABCDEF', 'System'),
      appsrv: { name: '0123456789ABCDEF0123456789ABCDEF', secret: 'device-secret', nonce: 'AAECAwQFBgcICQoLDA0ODw==' },
      client: { secret: 'server-secret', nonce: 'EBESExQVFhcYGRobHB0eHw==' },
    },
    dmClient: { entDmId: 'emm-1', upn: 'ana.lima@fabrikam.test', entDeviceName: 'LAB-PC-07' },
    ...overrides,
  };
}

describe('mde2 provisioning document: a document real Windows accepted', { skip: SHARED_MISSING }, () => {
  it('marcosd4h RSTR document: stores, w7 account with nonces, DMClient poll', () => {
    const doc = parseProvisioningDoc(
      sharedFile('research/samples/windc/marcosd4h-05-wstep-rstr-provisioningdoc-decoded.xml'),
    );
    assert.equal(doc.version, '1.1');
    assert.deepEqual(
      doc.characteristics.map((c) => c.type),
      ['CertificateStore', 'APPLICATION', 'DMClient'],
    );
    const v = readMdmProvisioning(doc);
    assert.deepEqual(
      v.rootCertificates.map((c) => c.thumbprint),
      ['D9A88E04AF18A4D399CEE62F2C71469C3AE1E675'],
    );
    // Each characteristic is named by the SHA-1 of the certificate it holds, computed here the same way.
    for (const c of [...v.rootCertificates, v.clientCertificate!]) {
      assert.equal(certificateThumbprint(Buffer.from(c.encoded, 'base64')), c.thumbprint);
    }
    // PrivateKeyContainer is a sibling of the thumbprint here (Learn's federated-page layout).
    assert.deepEqual(
      { ...v.clientCertificate, encoded: v.clientCertificate?.encoded.slice(0, 8) },
      {
        store: 'User',
        thumbprint: 'ADA7B35A30F986465CE4C176D527D4B80848EEF4',
        encoded: 'MIIELTCC',
        privateKeyContainer: true,
      },
    );
    const app = v.application;
    assert.ok(app);
    assert.deepEqual(
      [...app.parms],
      [
        ['APPID', 'w7'],
        ['PROVIDER-ID', 'DEMO MDM'],
        ['NAME', 'FleetDM Demo Server - Windows'],
        ['ADDR', 'https://mdmwindows.com/ManagementServer/MDM.svc'],
        ['ServerList', 'https://mdmwindows.com/ManagementServer/ServerList.svc'],
        ['ROLE', '4294967295'],
        ['BACKCOMPATRETRYDISABLED', undefined],
        ['DEFAULTENCODING', 'application/vnd.syncml.dm+xml'],
      ],
    );
    assert.deepEqual(
      app.appAuth.map((a) => [...a]),
      [
        [
          ['AAUTHLEVEL', 'CLIENT'],
          ['AAUTHTYPE', 'DIGEST'],
          ['AAUTHSECRET', 'dummy'],
          ['AAUTHDATA', 'nonce'],
        ],
        [
          ['AAUTHLEVEL', 'APPSRV'],
          ['AAUTHTYPE', 'DIGEST'],
          ['AAUTHNAME', 'dummy'],
          ['AAUTHSECRET', 'dummy'],
          ['AAUTHDATA', 'nonce'],
        ],
      ],
    );
    assert.equal(v.dmClient?.providerId, 'DEMO MDM');
    assert.deepEqual([...(v.dmClient?.poll ?? [])], [['NumberOfFirstRetries', '8']]);
    assert.equal(
      findParm(findCharacteristic(doc, 'DMClient', 'Provider', 'DEMO MDM', 'Poll')!, 'NumberOfFirstRetries')?.datatype,
      'integer',
    );
    assert.deepEqual(mdmProvisioningProblems(v), []);
    // Serialising the parsed tree and parsing again gives the same tree.
    assert.deepEqual(parseProvisioningDoc(serializeProvisioningDoc(doc)), doc);
  });
});

describe('mde2 provisioning document: own fixture', () => {
  it('MS-MDE layout (key container inside the thumbprint), CA store, WSTEP renew, DMClient identity', () => {
    const doc = parseProvisioningDoc(ownFixture('provisioning-doc.xml'));
    const v = readMdmProvisioning(doc);
    assert.deepEqual(v.intermediateCertificates, [
      { thumbprint: '1122334455667788990011223344556677889900', encoded: 'aW50ZXJtZWRpYXRl' },
    ]);
    assert.equal(v.clientCertificate?.store, 'System');
    assert.equal(v.clientCertificate?.privateKeyContainer, true);
    assert.deepEqual(
      [...(v.renew ?? [])],
      [
        ['ROBOSupport', 'true'],
        ['RenewPeriod', '42'],
        ['RetryInterval', '7'],
      ],
    );
    assert.equal(v.application?.parms.get('NAME'), 'Fabrikam & Co. declared configuration');
    assert.equal(
      v.application?.parms.get('SSLCLIENTCERTSEARCHCRITERIA'),
      'Subject=CN%3D0123456789ABCDEF0123456789ABCDEF&Stores=MY%5CSystem',
    );
    assert.deepEqual(
      [...(v.dmClient?.parms ?? [])],
      [
        ['EntDMID', '6f1c0a52-3e8d-4b7a-9c21-d04e5f6a7b8c'],
        ['UPN', 'ana.lima@fabrikam.test'],
        ['EntDeviceName', 'LAB-PC-07'],
      ],
    );
    assert.deepEqual(mdmProvisioningProblems(v), []);
  });
});

describe('mde2 provisioning document: builder', () => {
  it('build → serialise → parse → read gives back every input', () => {
    const doc = buildMdmProvisioningDoc(
      input({
        intermediateCertificates: [new Uint8Array([9, 9])],
        renew: { roboSupport: true, renewPeriodDays: 60, retryIntervalDays: 4 },
      }),
    );
    const xml = serializeProvisioningDoc(doc);
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><wap-provisioningdoc version="1.1">'));
    const again = parseProvisioningDoc(xml);
    assert.deepEqual(again, doc);
    const v = readMdmProvisioning(again);
    assert.deepEqual(v.rootCertificates, [
      { thumbprint: certificateThumbprint(ROOT), encoded: Buffer.from(ROOT).toString('base64') },
    ]);
    assert.equal(v.intermediateCertificates.length, 1);
    assert.deepEqual(v.clientCertificate, {
      store: 'System',
      thumbprint: certificateThumbprint(CLIENT),
      encoded: Buffer.from(CLIENT).toString('base64'),
      privateKeyContainer: true,
    });
    assert.deepEqual(
      [...(v.renew ?? [])],
      [
        ['ROBOSupport', 'true'],
        ['RenewPeriod', '60'],
        ['RetryInterval', '4'],
      ],
    );
    const app = v.application;
    assert.deepEqual(
      [...(app?.parms.keys() ?? [])],
      [
        'APPID',
        'PROVIDER-ID',
        'NAME',
        'ADDR',
        'CONNRETRYFREQ',
        'INITIALBACKOFFTIME',
        'MAXBACKOFFTIME',
        'BACKCOMPATRETRYDISABLED',
        'DEFAULTENCODING',
        'SSLCLIENTCERTSEARCHCRITERIA',
      ],
    );
    assert.equal(app?.parms.get('ADDR'), 'https://windc.fabrikam.test/ManagementServer/MDM.svc?mode=x&y=1');
    assert.equal(app?.parms.get('BACKCOMPATRETRYDISABLED'), undefined);
    assert.equal(app?.parms.has('BACKCOMPATRETRYDISABLED'), true);
    assert.deepEqual(
      app?.appAuth.map((a) => [...a]),
      [
        [
          ['AAUTHLEVEL', 'CLIENT'],
          ['AAUTHTYPE', 'DIGEST'],
          ['AAUTHSECRET', 'server-secret'],
          ['AAUTHDATA', 'EBESExQVFhcYGRobHB0eHw=='],
        ],
        [
          ['AAUTHLEVEL', 'APPSRV'],
          ['AAUTHTYPE', 'DIGEST'],
          ['AAUTHNAME', '0123456789ABCDEF0123456789ABCDEF'],
          ['AAUTHSECRET', 'device-secret'],
          ['AAUTHDATA', 'AAECAwQFBgcICQoLDA0ODw=='],
        ],
      ],
    );
    assert.equal(v.dmClient?.providerId, 'windc');
    assert.deepEqual(
      [...(v.dmClient?.parms ?? [])],
      [
        ['EntDMID', 'emm-1'],
        ['UPN', 'ana.lima@fabrikam.test'],
        ['EntDeviceName', 'LAB-PC-07'],
      ],
    );
    assert.equal(v.dmClient?.poll.get('NumberOfFirstRetries'), String(DEFAULT_POLL_SCHEDULE.numberOfFirstRetries));
    assert.equal(v.dmClient?.poll.get('PollOnLogin'), 'true');
    assert.deepEqual(mdmProvisioningProblems(v), []);
  });

  it('typed parms carry their datatype; a custom poll schedule replaces the default', () => {
    const doc = buildMdmProvisioningDoc(
      input({ dmClient: { poll: { numberOfFirstRetries: 0, intervalForFirstSetOfRetries: 1, pollOnLogin: false } } }),
    );
    const poll = findCharacteristic(doc, 'DMClient', 'Provider', 'windc', 'Poll');
    assert.deepEqual(poll?.children, [
      parm('NumberOfFirstRetries', 0, 'integer'),
      parm('IntervalForFirstSetOfRetries', 1, 'integer'),
      parm('PollOnLogin', false, 'boolean'),
    ]);
    assert.equal(findCharacteristic(doc, 'CertificateStore', 'My', 'WSTEP'), undefined);
  });

  it('thumbprints are upper-case SHA-1; search criteria are URL-encoded', () => {
    assert.equal(certificateThumbprint(new Uint8Array()), 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709');
    assert.equal(sslClientCertSearchCriteria('dev 1', 'User'), 'Subject=CN%3Ddev%201&Stores=MY%5CUser');
  });

  it('refuses to build without digest nonces (Windows 11 fails enrollment without them)', () => {
    const bad = input();
    bad.application.client.nonce = '';
    assert.throws(() => buildMdmProvisioningDoc(bad), TypeError);
  });

  it('lists what Windows is known to reject', () => {
    const doc = buildMdmProvisioningDoc(input());
    const v = readMdmProvisioning(doc);
    v.application?.appAuth[0]?.delete('AAUTHDATA');
    v.application?.parms.set('APPID', 'w4');
    v.application?.parms.delete('ADDR');
    if (v.dmClient) v.dmClient.providerId = 'other';
    if (v.clientCertificate) v.clientCertificate.privateKeyContainer = false;
    assert.deepEqual(mdmProvisioningProblems(v), [
      'client certificate has no PrivateKeyContainer',
      'APPLICATION APPID is not w7',
      'APPLICATION has no ADDR',
      'APPAUTH CLIENT has no AAUTHDATA nonce',
      'DMClient provider "other" differs from PROVIDER-ID "windc"',
    ]);
    assert.deepEqual(mdmProvisioningProblems(readMdmProvisioning({ version: '1.1', characteristics: [] })), [
      'no CertificateStore/Root/System certificate',
      'no client certificate under CertificateStore/My',
      'no APPLICATION characteristic',
    ]);
  });

  it('escapes attribute values and writes empty characteristics self-closed', () => {
    const xml = serializeProvisioningDoc({
      version: '1.1',
      characteristics: [characteristic('A"<&>', parm('p', 'v"\n<&>'), characteristic('E'))],
    });
    assert.match(
      xml,
      /<characteristic type="A&quot;&lt;&amp;&gt;"><parm name="p" value="v&quot;&#10;&lt;&amp;&gt;"\/><characteristic type="E"\/>/,
    );
    assert.equal(findParm(parseProvisioningDoc(xml).characteristics[0]!, 'p')?.value, 'v"\n<&>');
  });
});

describe('mde2 provisioning document: refusals', () => {
  const cases: Array<[string, string, string]> = [
    ['wrong root', '<wap-provisioning/>', 'PROVISIONING_MALFORMED'],
    ['top-level parm', '<wap-provisioningdoc><parm name="x"/></wap-provisioningdoc>', 'PROVISIONING_MALFORMED'],
    [
      'characteristic without type',
      '<wap-provisioningdoc><characteristic/></wap-provisioningdoc>',
      'PROVISIONING_MALFORMED',
    ],
    [
      'parm without name',
      '<wap-provisioningdoc><characteristic type="a"><parm value="x"/></characteristic></wap-provisioningdoc>',
      'PROVISIONING_MALFORMED',
    ],
    [
      'parm with content',
      '<wap-provisioningdoc><characteristic type="a"><parm name="x">v</parm></characteristic></wap-provisioningdoc>',
      'PROVISIONING_MALFORMED',
    ],
    ['stray text', '<wap-provisioningdoc>hello</wap-provisioningdoc>', 'PROVISIONING_MALFORMED'],
    [
      'unknown element',
      '<wap-provisioningdoc><characteristic-query type="a"/></wap-provisioningdoc>',
      'PROVISIONING_MALFORMED',
    ],
    ['DOCTYPE', '<!DOCTYPE wap-provisioningdoc SYSTEM "x.dtd"><wap-provisioningdoc/>', 'XML_DOCTYPE_FORBIDDEN'],
    ['not XML', 'PD94bWwg', 'XML_MALFORMED'],
    ['oversized', `<wap-provisioningdoc version="${'1'.repeat(300_000)}"/>`, 'XML_TOO_LARGE'],
  ];
  for (const [name, xml, code] of cases)
    it(name, () =>
      assert.equal(
        codeOf(() => parseProvisioningDoc(xml)),
        code,
      ),
    );
});
