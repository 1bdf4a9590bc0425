import assert from 'node:assert/strict';
import { KeyObject, sign, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildSecurityHeader,
  parseProvisioningDoc,
  readMdmProvisioning,
  readRequestSecurityTokenResponse,
  signEnvelope,
  VALUE_TYPES,
} from '../../../src/protocol/mde2/index.ts';
import { generateSecret, hashSecret } from '../../../src/server/enroll/secrets.ts';
import { CertificateAuthority } from '../../../src/server/pki/ca.ts';
import {
  contextFor,
  deviceKey,
  faultOf,
  getPolicies,
  onPremise,
  rst,
  soap,
  startTestServer,
  type TestServer,
  windowsCsr,
} from './support.ts';

const LINKED_POLICY = '/EnrollmentServer/Linked/Policy.svc';
const LINKED = '/EnrollmentServer/Linked/Enrollment.svc';
const MINUTE = 60_000;

interface Signer {
  der: Uint8Array;
  key: KeyObject;
}

/** The Certificate policy's header: Timestamp and X509 token, then a signature over what `refs` names. */
function signed(envelopeFor: (security: string) => string, by: Signer, opts: { refs?: string[]; at?: number } = {}) {
  const at = opts.at ?? Date.now();
  const security = buildSecurityHeader({
    timestamp: { created: new Date(at), expires: new Date(at + 5 * MINUTE), id: '_0' },
    binarySecurityToken: { valueType: VALUE_TYPES.x509v3, value: by.der, id: 'uuid-cert' },
  });
  return signEnvelope({
    envelope: envelopeFor(security),
    referenceIds: opts.refs ?? ['_0'],
    keyTokenId: 'uuid-cert',
    sign: (data) => sign('sha256', data, by.key),
  });
}

async function keyPair() {
  const keys = await deviceKey();
  const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  return { keys, spki, key: KeyObject.from(keys.privateKey) };
}

describe('Certificate policy: a WinDC enrollment authenticated by its parent MDM certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windc-certauth-'));
  let t: TestServer;
  let parentCa: CertificateAuthority;
  let secret: string;
  before(async () => {
    parentCa = await CertificateAuthority.create('Contoso MDM Device CA');
    writeFileSync(join(dir, 'parent.pem'), parentCa.certPem);
    t = await startTestServer(['--parent-ca', join(dir, 'parent.pem'), '--enroll-rate', '0']);
    secret = generateSecret();
    await t.server.context.store.secrets.create({ name: 'cert-test', secretHash: hashSecret(secret) });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Enrolls `deviceId` as primary with OnPremise and returns its windc certificate and key. */
  async function primary(deviceId: string): Promise<Signer> {
    const { keys, key } = await keyPair();
    const res = await soap(
      t,
      '/EnrollmentServer/Enrollment.svc',
      rst({ security: onPremise(secret), csr: await windowsCsr(deviceId, keys), context: contextFor(deviceId) }),
    );
    assert.equal(res.status, 200, res.body);
    const doc = readMdmProvisioning(parseProvisioningDoc(readRequestSecurityTokenResponse(res.body).provisioningDoc));
    return { der: new Uint8Array(Buffer.from(doc.clientCertificate?.encoded ?? '', 'base64')), key };
  }

  async function linkedRequest(deviceId: string, by: Signer, opts: { refs?: string[]; at?: number } = {}) {
    const csr = await windowsCsr(deviceId);
    return signed((security) => rst({ security, csr, context: contextFor(deviceId) }), by, opts);
  }

  it('links to the windc primary enrollment whose certificate signed the request', async () => {
    const deviceId = '5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A';
    const parent = await primary(deviceId);
    const policy = await soap(
      t,
      LINKED_POLICY,
      signed((s) => getPolicies(s), parent),
    );
    assert.equal(policy.status, 200, policy.body);
    const res = await soap(t, LINKED, await linkedRequest(deviceId, parent));
    assert.equal(res.status, 200, res.body);
    const store = t.server.context.store;
    const p = await store.devices.findActiveEnrollment(deviceId, 'primary');
    const l = await store.devices.findActiveEnrollment(deviceId, 'linked');
    assert.equal(l?.parentEnrollmentId, p?.id);
    assert.equal(l?.context?.['windc.authPolicy'], 'Certificate');
  });

  it('accepts a certificate from a configured parent-MDM CA, signed Timestamp-only or whole-envelope', async () => {
    for (const refs of [['_0'], ['']]) {
      const { spki, key } = await keyPair();
      const cert = await parentCa.issueClientCertificate({
        publicKey: spki,
        deviceId: 'intune-device',
        validityDays: 30,
      });
      const deviceId = refs[0] === '' ? '0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A' : '0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B';
      const res = await soap(t, LINKED, await linkedRequest(deviceId, { der: cert.der, key }, { refs }));
      assert.equal(res.status, 200, res.body);
      const e = await t.server.context.store.devices.findActiveEnrollment(deviceId, 'linked');
      assert.equal(e?.parentEnrollmentId, null, 'the parent is another MDM');
      assert.equal(e?.context?.['windc.parentCertificate'], cert.thumbprint);
    }
  });

  it('refuses wrong signatures, untrusted, expired and revoked certificates, stale and replayed requests', async () => {
    const deviceId = '7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E';
    const parent = await primary(deviceId);
    const stranger = await keyPair();
    const untrustedCa = await CertificateAuthority.create('Untrusted CA');
    const untrusted = await untrustedCa.issueClientCertificate({
      publicKey: stranger.spki,
      deviceId,
      validityDays: 30,
    });
    const expired = await parentCa.issueClientCertificate({
      publicKey: stranger.spki,
      deviceId,
      validityDays: 30,
      now: new Date(Date.now() - 400 * 86_400_000),
    });
    const replay = await linkedRequest(deviceId, parent);
    assert.equal((await soap(t, LINKED, replay)).status, 200);
    const tampered = (await linkedRequest(deviceId, parent, { refs: [''] })).replace('>TESTPC<', '>OTHERPC<');
    const cases: Array<[string, RegExp]> = [
      [await linkedRequest(deviceId, { der: parent.der, key: stranger.key }), /signature does not verify/],
      [await linkedRequest(deviceId, { der: untrusted.der, key: stranger.key }), /not issued by a trusted/],
      [await linkedRequest(deviceId, { der: expired.der, key: stranger.key }), /certificate is expired/],
      [await linkedRequest(deviceId, parent, { at: Date.now() - 20 * MINUTE }), /request is expired/],
      [replay, /already used/],
      [tampered, /does not match its digest/],
      [await linkedRequest(deviceId, parent, { refs: ['uuid-cert'] }), /does not cover the Timestamp/],
    ];
    for (const [body, reason] of cases) {
      const f = faultOf(await soap(t, LINKED, body));
      assert.equal(f.subcode, 'Authentication', f.reason);
      assert.match(f.reason, reason);
    }
    // Re-enrolling the primary revokes the old certificate, which then no longer authenticates anything.
    await primary(deviceId);
    const revoked = faultOf(await soap(t, LINKED, await linkedRequest(deviceId, parent)));
    assert.match(revoked.reason, /revoked/);
    const onPrimary = faultOf(await soap(t, '/EnrollmentServer/Enrollment.svc', await linkedRequest(deviceId, parent)));
    assert.match(onPrimary.reason, /not accepted for a primary enrollment/);
  });
});
