import assert from 'node:assert/strict';
import { KeyObject, type webcrypto, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  buildRenewalRequest,
  parseProvisioningDoc,
  readMdmProvisioning,
  readRequestSecurityTokenResponse,
} from '../../../src/protocol/mde2/index.ts';
import { generateSecret, hashSecret } from '../../../src/server/enroll/secrets.ts';
import {
  contextFor,
  deviceKey,
  faultOf,
  onPremise,
  rst,
  soap,
  startTestServer,
  type TestServer,
  windowsCsr,
} from './support.ts';

const PATH = '/EnrollmentServer/Enrollment.svc';
const DAY = 86_400_000;

interface Enrolled {
  deviceId: string;
  der: Uint8Array;
  certPem: string;
  keyPem: string;
  privateKey: webcrypto.CryptoKey;
}

describe('MS-WSTEP Renew: ROBO over the TLS client certificate, and manual renewal', () => {
  let t: TestServer;
  let clock = Date.now();
  let secret: string;
  before(async () => {
    t = await startTestServer(
      ['--cert-validity-days', '30', '--cert-renew-days', '10', '--enroll-rate', '0'],
      () => clock,
    );
    secret = generateSecret();
    await t.server.context.store.secrets.create({ name: 'renew', secretHash: hashSecret(secret) });
  });
  after(() => t.close());

  /** Enrolls a device as of `daysAgo` days before now, so its certificate is that much older. */
  async function enroll(deviceId: string, daysAgo: number): Promise<Enrolled> {
    clock = Date.now() - daysAgo * DAY;
    const keys = await deviceKey();
    const res = await soap(
      t,
      PATH,
      rst({ security: onPremise(secret), csr: await windowsCsr(deviceId, keys), context: contextFor(deviceId) }),
    );
    clock = Date.now();
    assert.equal(res.status, 200, res.body);
    const doc = readMdmProvisioning(parseProvisioningDoc(readRequestSecurityTokenResponse(res.body).provisioningDoc));
    const der = new Uint8Array(Buffer.from(doc.clientCertificate?.encoded ?? '', 'base64'));
    return {
      deviceId,
      der,
      certPem: new X509Certificate(der).toString(),
      keyPem: KeyObject.from(keys.privateKey).export({ format: 'pem', type: 'pkcs8' }).toString(),
      privateKey: keys.privateKey,
    };
  }

  async function renewal(
    e: Enrolled,
    opts: { security?: string; base64Content?: boolean; signer?: Enrolled; deviceId?: string } = {},
  ) {
    const keys = await deviceKey();
    const signer = opts.signer ?? e;
    const token = await buildRenewalRequest({
      csr: await windowsCsr(opts.deviceId ?? e.deviceId, keys),
      certificate: signer.der,
      privateKey: signer.privateKey,
      base64Content: opts.base64Content ?? false,
      omitCertificate: opts.security === undefined,
    });
    return rst({
      security: opts.security ?? '',
      csr: token,
      context: [{ name: 'DeviceType', value: 'CIMClient_Windows' }],
      requestType: 'Renew',
      format: 'PKCS7',
    });
  }

  it('renews automatically inside the renewal window: new certificate, same enrollment, old one kept', async () => {
    const e = await enroll('RENEW000000000000000000000000001', 25);
    const res = await soap(t, PATH, await renewal(e), { cert: e.certPem, key: e.keyPem });
    assert.equal(res.status, 200, res.body);
    const doc = parseProvisioningDoc(readRequestSecurityTokenResponse(res.body).provisioningDoc);
    const mdm = readMdmProvisioning(doc);
    assert.equal(mdm.clientCertificate?.store, 'User');
    assert.equal(mdm.clientCertificate?.privateKeyContainer, true);
    assert.equal(mdm.rootCertificates[0]?.thumbprint, t.server.context.ca.thumbprint);
    assert.equal(mdm.application?.parms.get('PROVIDER-ID'), 'windc');
    assert.equal(mdm.application?.appAuth.length, 0, 'a renewal does not touch the OMA-DM account');
    const fresh = new X509Certificate(Buffer.from(mdm.clientCertificate?.encoded ?? '', 'base64'));
    assert.equal(fresh.subject, `CN=${e.deviceId}`);
    assert.ok(fresh.checkIssued(new X509Certificate(t.caPem)));
    assert.ok(Date.parse(fresh.validTo) > Date.now() + 29 * DAY);

    const store = t.server.context.store;
    const enrollment = await store.devices.findActiveEnrollment(e.deviceId, 'primary');
    const certs = await store.certificates.listForEnrollment(enrollment?.id ?? 0);
    assert.equal(certs.length, 2);
    assert.ok(
      certs.every((c) => c.revokedAt === null),
      'the old certificate stays valid until it expires',
    );
  });

  it('renews manually with the enrollment credentials and a base64 PKCS#7 content, without TLS', async () => {
    const e = await enroll('RENEW000000000000000000000000002', 25);
    const res = await soap(t, PATH, await renewal(e, { security: onPremise(secret), base64Content: true }));
    assert.equal(res.status, 200, res.body);
  });

  it('refuses renewals that are early, unauthenticated, signed by another certificate or for another device', async () => {
    const young = await enroll('RENEW000000000000000000000000003', 1);
    const early = faultOf(await soap(t, PATH, await renewal(young), { cert: young.certPem, key: young.keyPem }));
    assert.equal(early.subcode, 'Authorization');
    assert.equal(early.detail?.errorType, 'NotEligibleToRenew');

    const old = await enroll('RENEW000000000000000000000000004', 25);
    const other = await enroll('RENEW000000000000000000000000005', 25);
    const none = faultOf(await soap(t, PATH, await renewal(old)));
    assert.match(none.reason, /TLS client certificate, or the enrollment credentials/);
    const mismatch = faultOf(
      await soap(t, PATH, await renewal(old, { signer: other }), { cert: old.certPem, key: old.keyPem }),
    );
    assert.equal(mismatch.subcode, 'Authentication');
    const otherDevice = faultOf(
      await soap(t, PATH, await renewal(old, { deviceId: 'SOMEONEELSE0000000000000000000000' }), {
        cert: old.certPem,
        key: old.keyPem,
      }),
    );
    assert.equal(otherDevice.subcode, 'CertificateRequest');
    const issueAsPkcs7 = faultOf(await soap(t, PATH, (await renewal(old)).replace('/Renew<', '/Issue<')));
    assert.equal(issueAsPkcs7.subcode, 'MessageFormat');
    const store = t.server.context.store;
    const e = await store.devices.findActiveEnrollment(old.deviceId, 'primary');
    assert.equal((await store.certificates.listForEnrollment(e?.id ?? 0)).length, 1, 'nothing issued');
  });
});
