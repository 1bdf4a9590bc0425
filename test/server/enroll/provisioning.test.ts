import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mdmProvisioningProblems,
  parseProvisioningDoc,
  readMdmProvisioning,
  serializeProvisioningDoc,
} from '../../../src/protocol/mde2/index.ts';
import { parsePollSchedule } from '../../../src/server/enroll/config.ts';
import {
  accountName,
  enrollmentDoc,
  generateCredentials,
  md5CredentialDigest,
  providerIdFor,
  renewalDoc,
  storedCredentials,
} from '../../../src/server/enroll/provisioning.ts';

const CA = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
const CLIENT = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x02]);

function doc(role: 'primary' | 'linked') {
  const credentials = generateCredentials('0123456789ABCDEF', role, providerIdFor('Contoso', role));
  const text = serializeProvisioningDoc(
    enrollmentDoc({
      role,
      caCertificate: CA,
      clientCertificate: CLIENT,
      clientStore: role === 'primary' ? 'System' : 'User',
      providerId: 'Contoso',
      managementUrl: 'https://mdm.contoso.test/ManagementServer/MDM.svc',
      deviceId: '0123456789ABCDEF',
      upn: 'ana@contoso.test',
      deviceName: 'PC-7',
      poll: parsePollSchedule('15x8,480'),
      renewDays: 42,
      credentials,
    }),
  );
  return { credentials, mdm: readMdmProvisioning(parseProvisioningDoc(text)) };
}

describe('provisioning document assembly', () => {
  it('stores the syncml:auth-md5 form of the device secret (known answer)', () => {
    assert.equal(md5CredentialDigest('0123456789ABCDEF', 's3cret'), 'j+2TkbmL0ByZ0xVPXLkWhA==');
    const c = generateCredentials('0123456789ABCDEF', 'primary', 'windc');
    const stored = storedCredentials(7, c);
    assert.equal(stored.deviceSecretDigest, md5CredentialDigest(c.device.name, c.device.secret));
    assert.equal(JSON.stringify(stored).includes(c.device.secret), false, 'the device secret itself is not kept');
    assert.equal(stored.serverSecret, c.server.secret);
  });

  it('gives each account fresh secrets and 16-byte nonces on both APPAUTH levels', () => {
    const a = generateCredentials('X', 'primary', 'windc');
    const b = generateCredentials('X', 'primary', 'windc');
    assert.notEqual(a.device.secret, b.device.secret);
    assert.notEqual(a.device.nonce, a.server.nonce);
    for (const n of [a.device.nonce, a.server.nonce]) assert.equal(Buffer.from(n, 'base64').length, 16);
  });

  it('builds a primary account Windows accepts: certificates, w7 APPLICATION, DMClient with EntDMID and polls', () => {
    const { mdm, credentials } = doc('primary');
    assert.deepEqual(mdmProvisioningProblems(mdm), []);
    assert.equal(mdm.clientCertificate?.store, 'System');
    assert.equal(mdm.application?.parms.get('PROVIDER-ID'), 'Contoso');
    assert.equal(mdm.application?.parms.get('NAME'), 'windc');
    assert.equal(mdm.dmClient?.providerId, 'Contoso');
    assert.equal(mdm.dmClient?.parms.get('EntDMID'), '0123456789ABCDEF');
    assert.equal(mdm.dmClient?.parms.get('UPN'), 'ana@contoso.test');
    assert.equal(mdm.dmClient?.poll.get('IntervalForSecondSetOfRetries'), '480');
    assert.equal(mdm.renew?.get('RenewPeriod'), '42');
    const appsrv = mdm.application?.appAuth.find((a) => a.get('AAUTHLEVEL') === 'APPSRV');
    assert.equal(appsrv?.get('AAUTHNAME'), credentials.device.name);
    assert.equal(appsrv?.get('AAUTHDATA'), credentials.device.nonce);
  });

  it('gives a linked (WinDC) account its own provider, name and device credential name', () => {
    const { mdm } = doc('linked');
    assert.deepEqual(mdmProvisioningProblems(mdm), []);
    assert.equal(mdm.application?.parms.get('PROVIDER-ID'), 'Contoso-declared');
    assert.equal(mdm.dmClient?.providerId, 'Contoso-declared');
    assert.equal(mdm.application?.parms.get('NAME'), 'windc declared configuration');
    assert.equal(accountName('0123456789ABCDEF', 'linked'), '0123456789ABCDEF-linked');
    assert.equal(
      mdm.application?.appAuth.find((a) => a.get('AAUTHLEVEL') === 'APPSRV')?.get('AAUTHNAME'),
      '0123456789ABCDEF-linked',
    );
  });

  it('answers a renewal with the new certificate only, nested as Learn shows it', () => {
    const text = serializeProvisioningDoc(
      renewalDoc({ caCertificate: CA, clientCertificate: CLIENT, clientStore: 'User', providerId: 'windc' }),
    );
    assert.match(text, /<characteristic type="My"><characteristic type="User"><characteristic type="[0-9A-F]{40}">/);
    assert.match(
      text,
      /<parm name="EncodedCertificate" value="MAMCAQI="\/><characteristic type="PrivateKeyContainer"\/>/,
    );
    const mdm = readMdmProvisioning(parseProvisioningDoc(text));
    assert.equal(mdm.clientCertificate?.privateKeyContainer, true);
    assert.equal(mdm.application?.parms.get('PROVIDER-ID'), 'windc');
  });
});
