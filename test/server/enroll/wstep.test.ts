import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeInput } from '../../../src/inspect/decode.ts';
import { checkPollSchedule } from '../../../src/protocol/csp/index.ts';
import {
  ACTIONS,
  decodeCsr,
  mdmProvisioningProblems,
  parseProvisioningDoc,
  parseSoapEnvelope,
  readMdmProvisioning,
  readRequestSecurityToken,
  readRequestSecurityTokenResponse,
  TOKEN_TYPES,
} from '../../../src/protocol/mde2/index.ts';
import { md5CredentialDigest } from '../../../src/server/enroll/provisioning.ts';
import { generateSecret, hashSecret } from '../../../src/server/enroll/secrets.ts';
import { SHARED_MISSING, sharedFile } from '../../protocol/mde2/helpers.ts';
import {
  assertSoapMessage,
  contextFor,
  type deviceKey,
  faultOf,
  onPremise,
  PUBLIC_URL,
  rst,
  soap,
  startTestServer,
  type TestServer,
  windowsCsr,
} from './support.ts';

const PATH = '/EnrollmentServer/Enrollment.svc';
const REAL_DEVICE = 'B5B954E81FBCB94EB79BD08BE625F4EE';

function provisioningOf(body: string) {
  const rstr = readRequestSecurityTokenResponse(body);
  return { rstr, mdm: readMdmProvisioning(parseProvisioningDoc(rstr.provisioningDoc)) };
}

function opensslVerify(dir: string, caPem: string, certB64: string): string {
  const ca = join(dir, 'verify-ca.pem');
  const cert = join(dir, 'verify-cert.pem');
  writeFileSync(ca, caPem);
  writeFileSync(cert, `-----BEGIN CERTIFICATE-----\n${certB64.replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  return execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', ca, cert], { encoding: 'utf8' });
}

describe('MS-WSTEP RequestSecurityToken: Issue', () => {
  let t: TestServer;
  let secret: string;
  before(async () => {
    t = await startTestServer(['--enroll-rate', '0']);
    secret = generateSecret();
    await t.server.context.store.secrets.create({ name: 'fleet-replay', secretHash: hashSecret(secret) });
  });
  after(() => t.close());

  it('replays the real Windows 10 RST (password adapted): SHA-1 CSR with NUL in the CN accepted, every provisioning item present', {
    skip: SHARED_MISSING,
  }, async () => {
    const capture = sharedFile('research/samples/fleet/03-rst-enroll-request.xml');
    const request = readRequestSecurityToken(capture);
    const res = await soap(t, PATH, capture.replace('>demo</wsse:Password>', `>${secret}</wsse:Password>`));
    assert.equal(res.status, 200, res.body);
    assertSoapMessage(res);
    const env = parseSoapEnvelope(res.body);
    assert.equal(env.addressing.action, ACTIONS.requestSecurityTokenResponse);
    assert.equal(env.addressing.relatesTo, 'urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749');
    assert.ok(env.activityId?.id);
    const { rstr, mdm } = provisioningOf(res.body);
    assert.equal(rstr.tokenType, TOKEN_TYPES.deviceEnrollment);
    assert.equal(rstr.requestId, '0');
    assert.deepEqual(mdmProvisioningProblems(mdm), []);

    // CertificateStore: windc's CA as root, the device certificate in My/User (EnrollmentType Full).
    assert.deepEqual(
      mdm.rootCertificates.map((c) => c.thumbprint),
      [t.server.context.ca.thumbprint],
    );
    const client = mdm.clientCertificate;
    assert.equal(client?.store, 'User');
    assert.equal(client?.privateKeyContainer, true);
    const cert = new X509Certificate(Buffer.from(client?.encoded ?? '', 'base64'));
    assert.equal(cert.subject, `CN=${REAL_DEVICE}`);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.fingerprint.replace(/:/g, ''), client?.thumbprint);
    const csrKey = decodeCsr(request.request.der).publicKey.spki;
    assert.ok(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(csrKey), 'the CSR key is certified');
    assert.match(opensslVerify(t.dataDir, t.caPem, client?.encoded ?? ''), /: OK/);
    assert.deepEqual(Object.fromEntries(mdm.renew ?? []), {
      ROBOSupport: 'true',
      RenewPeriod: '60',
      RetryInterval: '4',
    });

    // APPLICATION (w7): the OMA-DM account, digest both ways with secrets and initial nonces.
    const app = mdm.application;
    assert.equal(app?.parms.get('APPID'), 'w7');
    assert.equal(app?.parms.get('PROVIDER-ID'), 'windc');
    assert.equal(app?.parms.get('ADDR'), `${PUBLIC_URL}/ManagementServer/MDM.svc`);
    assert.equal(app?.parms.get('DEFAULTENCODING'), 'application/vnd.syncml.dm+xml');
    assert.ok(app?.parms.has('BACKCOMPATRETRYDISABLED'));
    const auth = (level: string) => app?.appAuth.find((a) => a.get('AAUTHLEVEL') === level) as Map<string, string>;
    for (const level of ['CLIENT', 'APPSRV']) {
      assert.equal(auth(level).get('AAUTHTYPE'), 'DIGEST');
      assert.ok((auth(level).get('AAUTHSECRET') ?? '').length >= 32, `${level} secret`);
      assert.equal(Buffer.from(auth(level).get('AAUTHDATA') ?? '', 'base64').length, 16, `${level} nonce`);
    }
    assert.equal(auth('APPSRV').get('AAUTHNAME'), REAL_DEVICE);
    assert.equal(auth('CLIENT').get('AAUTHNAME'), 'windc');
    assert.notEqual(auth('APPSRV').get('AAUTHSECRET'), auth('CLIENT').get('AAUTHSECRET'));

    // DMClient: same provider, EntDMID, the device name, and a poll schedule seed 004 accepts.
    assert.equal(mdm.dmClient?.providerId, 'windc');
    assert.equal(mdm.dmClient?.parms.get('EntDMID'), REAL_DEVICE);
    assert.equal(mdm.dmClient?.parms.get('EntDeviceName'), 'DESKTOP-28FGAI6');
    const poll = Object.fromEntries(mdm.dmClient?.poll ?? []);
    assert.deepEqual(poll, {
      NumberOfFirstRetries: '8',
      IntervalForFirstSetOfRetries: '15',
      NumberOfSecondRetries: '0',
      IntervalForSecondSetOfRetries: '480',
      NumberOfRemainingScheduledRetries: '0',
      IntervalForRemainingScheduledRetries: '0',
      PollOnLogin: 'true',
    });
    const check = checkPollSchedule({
      numberOfFirstRetries: 8,
      intervalForFirstSetOfRetries: 15,
      numberOfSecondRetries: 0,
      intervalForSecondSetOfRetries: 480,
      numberOfRemainingScheduledRetries: 0,
      intervalForRemainingScheduledRetries: 0,
    });
    assert.ok(check.ok);

    // windc inspect reads the whole answer, provisioning document included, and finds nothing wrong.
    const inspected = await decodeInput(res.body);
    assert.equal(JSON.stringify(inspected).includes('"problems":[]'), true);

    // What the store holds: a primary enrollment, its certificate and the credentials the document gave.
    const store = t.server.context.store;
    const e = await store.devices.findActiveEnrollment(REAL_DEVICE, 'primary');
    assert.ok(e);
    assert.equal(e.parentEnrollmentId, null);
    assert.equal(e.context?.OSVersion, '10.0.19043.2364');
    assert.equal(e.context?.MAC?.split(',').length, 6);
    assert.equal(e.context?.['windc.authPolicy'], 'OnPremise');
    assert.equal(e.context?.['windc.secret'], 'fleet-replay');
    assert.equal((await store.devices.getDevice({ deviceId: REAL_DEVICE }))?.hwDevId, request.context[1]?.value);
    const [stored] = await store.certificates.listForEnrollment(e.id);
    assert.equal(stored?.thumbprint, client?.thumbprint.toLowerCase());
    assert.equal(stored?.serial, cert.serialNumber.toLowerCase());
    assert.equal(stored?.notAfter, Date.parse(cert.validTo));
    const creds = await store.deviceCredentials.get(e.id);
    assert.equal(creds?.deviceName, REAL_DEVICE);
    assert.equal(creds?.deviceSecretDigest, md5CredentialDigest(REAL_DEVICE, auth('APPSRV').get('AAUTHSECRET') ?? ''));
    assert.equal(
      creds?.deviceSecretDigest,
      createHash('md5')
        .update(`${REAL_DEVICE}:${auth('APPSRV').get('AAUTHSECRET')}`)
        .digest('base64'),
    );
    assert.equal(creds?.deviceNonce, auth('APPSRV').get('AAUTHDATA'));
    assert.equal(creds?.serverSecret, auth('CLIENT').get('AAUTHSECRET'));
    assert.equal(creds?.serverNonce, auth('CLIENT').get('AAUTHDATA'));
    assert.equal((await store.secrets.list()).find((s) => s.name === 'fleet-replay')?.useCount, 1);
  });

  it('puts a device enrollment certificate in My/System and re-enrollment replaces and revokes', async () => {
    const deviceId = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';
    const context = contextFor(deviceId, [{ name: 'EnrollmentType', value: 'Device' }]).filter(
      (c, i, all) => c.name !== 'EnrollmentType' || all.findLastIndex((x) => x.name === 'EnrollmentType') === i,
    );
    const first = await soap(t, PATH, rst({ security: onPremise(secret), csr: await windowsCsr(deviceId), context }));
    assert.equal(first.status, 200, first.body);
    assert.equal(provisioningOf(first.body).mdm.clientCertificate?.store, 'System');
    const store = t.server.context.store;
    const e1 = await store.devices.findActiveEnrollment(deviceId, 'primary');
    const [c1] = await store.certificates.listForEnrollment(e1?.id ?? 0);

    const second = await soap(t, PATH, rst({ security: onPremise(secret), csr: await windowsCsr(deviceId), context }));
    assert.equal(second.status, 200);
    const e2 = await store.devices.findActiveEnrollment(deviceId, 'primary');
    assert.notEqual(e2?.id, e1?.id);
    assert.equal((await store.devices.getEnrollment(e1?.id ?? 0))?.status, 'replaced');
    const old = await store.certificates.findBySerial(c1?.serial ?? '');
    assert.ok(old?.revokedAt, 'the replaced enrollment certificate is revoked');
    assert.match(old?.revocationReason ?? '', /re-enrollment/);
    assert.equal((await store.certificates.listForEnrollment(e2?.id ?? 0))[0]?.revokedAt, null);
  });

  it('refuses bad requests with the MS-MDE2 subcode and stores nothing', async () => {
    const store = t.server.context.store;
    const before = (await store.devices.listDevices()).length;
    const deviceId = 'FEEDFACE00000000FEEDFACE00000000';
    const good = await windowsCsr(deviceId);
    const badSig = Buffer.from(good);
    badSig.writeUInt8(badSig.readUInt8(badSig.length - 3) ^ 1, badSig.length - 3);
    const weakKeys = await (async () => {
      const { webcrypto } = await import('node:crypto');
      return (await webcrypto.subtle.generateKey(
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) },
        true,
        ['sign', 'verify'],
      )) as Awaited<ReturnType<typeof deviceKey>>;
    })();
    const cases: Array<[string, string, string]> = [
      [
        rst({ security: onPremise('wrong'), csr: good, context: contextFor(deviceId) }),
        'Authentication',
        'wrong secret',
      ],
      [rst({ security: '', csr: good, context: contextFor(deviceId) }), 'InvalidSecurity', 'no security header'],
      [
        rst({ security: onPremise(secret), csr: badSig, context: contextFor(deviceId) }),
        'CertificateRequest',
        'bad CSR signature',
      ],
      [
        rst({ security: onPremise(secret), csr: good, context: contextFor('0000000000000000000000000000000A') }),
        'CertificateRequest',
        'DeviceID differs between context and CSR',
      ],
      [
        rst({ security: onPremise(secret), csr: await windowsCsr(deviceId, weakKeys), context: contextFor(deviceId) }),
        'CertificateRequest',
        '1024-bit key',
      ],
      [
        rst({ security: onPremise(secret), csr: new Uint8Array([0x30, 0x03, 1, 2, 3]), context: contextFor(deviceId) }),
        'CertificateRequest',
        'undecodable CSR',
      ],
      [
        rst({ security: onPremise(secret), csr: good, context: contextFor(deviceId), format: 'PKCS7' }),
        'MessageFormat',
        'PKCS#7 in an Issue',
      ],
      [
        rst({ security: onPremise(secret), csr: good, context: contextFor(deviceId) }).replace('/Issue<', '/Recovery<'),
        'EnrollmentServer',
        'recovery',
      ],
      [
        rst({ security: onPremise(secret), csr: good, context: contextFor(deviceId) }).replace(
          '<s:Header>',
          '<s:Header><x:Extra xmlns:x="urn:x" s:mustUnderstand="1"/>',
        ),
        'MessageFormat',
        'unknown mustUnderstand header',
      ],
      [
        rst({
          security: onPremise(secret),
          csr: await windowsCsr('bad id with spaces'),
          context: contextFor('bad id with spaces'),
        }),
        'MessageFormat',
        'DeviceID unlike any Windows sends',
      ],
    ];
    for (const [body, subcode, why] of cases) {
      const f = faultOf(await soap(t, PATH, body));
      assert.equal(f.subcode, subcode, `${why}: ${f.reason}`);
      assert.ok(f.relatesTo, `${why}: relates to the request`);
    }
    const tooBig = faultOf(await soap(t, PATH, `<s:Envelope>${'x'.repeat(600_000)}</s:Envelope>`), 413);
    assert.equal(tooBig.subcode, 'MessageFormat');
    assert.equal((await store.devices.listDevices()).length, before, 'no refused request left a device behind');
    assert.equal(await store.devices.findActiveEnrollment(deviceId, 'primary'), undefined);
  });

  it('refuses OnPremise at the linked (WinDC) enrollment endpoint', async () => {
    const deviceId = 'C0FFEE00C0FFEE00C0FFEE00C0FFEE00';
    const body = rst({ security: onPremise(secret), csr: await windowsCsr(deviceId), context: contextFor(deviceId) });
    const f = faultOf(await soap(t, '/EnrollmentServer/Linked/Enrollment.svc', body));
    assert.equal(f.subcode, 'Authentication');
    assert.match(f.reason, /not accepted for a linked enrollment/);
  });
});
