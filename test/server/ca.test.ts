import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CertificateAuthority } from '../../src/server/pki/ca.ts';
import { loadOrCreateCa } from '../../src/server/pki/ca-files.ts';
import { loadServerTls } from '../../src/server/pki/server-tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'windc-ca-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function spki(kind: 'rsa' | 'ec'): { der: Buffer; privatePem: string } {
  const kp =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    der: kp.publicKey.export({ format: 'der', type: 'spki' }),
    privatePem: kp.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

function opensslVerify(caPem: string, certPem: string, purpose: string): string {
  const ca = join(dir, `ca-${Math.random()}.pem`);
  const cert = join(dir, `cert-${Math.random()}.pem`);
  writeFileSync(ca, caPem);
  writeFileSync(cert, certPem);
  return execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', ca, cert], { encoding: 'utf8' });
}

describe('built-in CA', () => {
  it('creates a CA in the data dir once, with a private key only the owner can read', async () => {
    const first = await loadOrCreateCa({ dataDir: join(dir, 'data') });
    assert.equal(first.created, true);
    assert.equal(statSync(join(dir, 'data', 'ca-key.pem')).mode & 0o777, 0o600);
    const second = await loadOrCreateCa({ dataDir: join(dir, 'data') });
    assert.equal(second.created, false);
    assert.equal(second.ca.thumbprint, first.ca.thumbprint);
    const caCert = new X509Certificate(readFileSync(join(dir, 'data', 'ca.pem')));
    assert.equal(caCert.ca, true);
  });

  it('processes creating the CA and TLS identity together end up with one of each, the one on disk', async () => {
    // Replicas sharing a data dir on first start: before, each kept its own CA and the last writer's was on
    // disk, so the database (which records the first CA registered) refused every later start.
    const data = join(dir, 'together');
    const cas = await Promise.all([1, 2, 3].map(() => loadOrCreateCa({ dataDir: data })));
    assert.deepEqual(cas.map((c) => c.created).sort(), [false, false, true]);
    const onDisk = readFileSync(join(data, 'ca.pem'), 'utf8');
    for (const c of cas) assert.equal(c.ca.certPem, onDisk);
    const ca = cas[0]!.ca;
    const tls = await Promise.all(
      [1, 2, 3].map(() => loadServerTls({ dataDir: data, publicUrl: 'https://windc.test', ca })),
    );
    for (const t of tls) {
      assert.equal(t.certPem, readFileSync(join(data, 'tls-cert.pem'), 'utf8'));
      assert.equal(t.keyPem, readFileSync(join(data, 'tls-key.pem'), 'utf8'));
    }
    assert.deepEqual(
      readdirSync(data).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary files left',
    );
  });

  it('replaces a TLS key and certificate that do not belong together instead of serving them', async () => {
    // What two processes renewing at the same moment can leave: one's key beside the other's certificate.
    const data = join(dir, 'mixed');
    const { ca } = await loadOrCreateCa({ dataDir: data });
    const first = await loadServerTls({ dataDir: data, publicUrl: 'https://windc.test', ca });
    rmSync(join(data, 'tls-key.pem'));
    rmSync(join(data, 'tls-cert.pem'));
    const second = await loadServerTls({ dataDir: data, publicUrl: 'https://windc.test', ca });
    writeFileSync(join(data, 'tls-key.pem'), first.keyPem);
    const healed = await loadServerTls({ dataDir: data, publicUrl: 'https://windc.test', ca });
    assert.notEqual(healed.certPem, second.certPem, 'the mixed pair was not served');
    assert.ok(new X509Certificate(healed.certPem).checkPrivateKey(createPrivateKey(healed.keyPem)));
    assert.equal(readFileSync(join(data, 'tls-cert.pem'), 'utf8'), healed.certPem);
    assert.equal(readFileSync(join(data, 'tls-key.pem'), 'utf8'), healed.keyPem);
  });

  for (const kind of ['rsa', 'ec'] as const) {
    it(`issues a client certificate for a ${kind} device key that openssl verifies for sslclient`, async () => {
      const { ca } = await loadOrCreateCa({ dataDir: join(dir, 'data') });
      const key = spki(kind);
      const issued = await ca.issueClientCertificate({
        publicKey: key.der,
        deviceId: '1E08C6E95D8BB843B1278FF45BC60CC6',
        validityDays: 365,
      });
      assert.match(opensslVerify(ca.certPem, issued.pem, 'sslclient'), /OK/);
      const cert = new X509Certificate(issued.pem);
      assert.equal(cert.subject, 'CN=1E08C6E95D8BB843B1278FF45BC60CC6');
      assert.equal(cert.serialNumber.toUpperCase(), issued.serial);
      assert.equal(cert.fingerprint.replace(/:/g, ''), issued.thumbprint);
      assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
      assert.equal(cert.publicKey.export({ format: 'der', type: 'spki' }).equals(key.der), true);
      assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
      // A client certificate must not be usable to impersonate the server.
      assert.throws(() => opensslVerify(ca.certPem, issued.pem, 'sslserver'));
    });
  }

  it('drops a NUL from the DeviceID rather than writing it into the subject', async () => {
    const { ca } = await loadOrCreateCa({ dataDir: join(dir, 'data') });
    const issued = await ca.issueClientCertificate({ publicKey: spki('ec').der, deviceId: 'ABC\0', validityDays: 1 });
    assert.equal(new X509Certificate(issued.pem).subject, 'CN=ABC');
  });

  it('issues a server certificate with DNS and IP names', async () => {
    const { ca } = await loadOrCreateCa({ dataDir: join(dir, 'data') });
    const issued = await ca.issueServerCertificate({
      publicKey: spki('ec').der,
      hostnames: ['localhost', '127.0.0.1'],
      validityDays: 30,
    });
    assert.match(opensslVerify(ca.certPem, issued.pem, 'sslserver'), /OK/);
    const cert = new X509Certificate(issued.pem);
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('refuses a key that does not belong to the CA certificate, and half a CA on disk', async () => {
    const a = await CertificateAuthority.create('a');
    const b = await CertificateAuthority.create('b');
    await assert.rejects(
      CertificateAuthority.load({ certPem: a.material().certPem, keyPem: b.material().keyPem }),
      /does not match/,
    );
    const half = join(dir, 'half');
    await loadOrCreateCa({ dataDir: half });
    rmSync(join(half, 'ca-key.pem'));
    await assert.rejects(loadOrCreateCa({ dataDir: half }), /incomplete CA/);
  });
});
