// The emulator enrolling into a real windc server: classic primary enrollment, and the WinDC linked enrollment
// with both of seed 003's auth policies.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeviceClient } from '../../../src/device/client.ts';
import { EnrollStatus } from '../../../src/device/dmclient.ts';
import { HResultError } from '../../../src/device/hresult.ts';
import { TokenIssuer } from '../../../src/device/issuer.ts';
import type { HttpTransport } from '../../../src/device/net/transport.ts';
import { newTransport, openDevice, startWindc, type Windc } from './support.ts';

const P = './Device/Vendor/MSFT/DMClient/Provider';

describe('emulator enrollment against windc serve', () => {
  let windc: Windc;
  let issuer: TokenIssuer;
  let transport: HttpTransport;
  const dirs: string[] = [];
  const issuerDir = mkdtempSync(join(tmpdir(), 'windc-issuer-'));

  before(async () => {
    issuer = await TokenIssuer.open(issuerDir);
    windc = await startWindc([...issuer.serveFlags()]);
    transport = newTransport();
  });
  after(async () => {
    transport.close();
    await windc.close();
    for (const d of [...dirs, issuerDir]) rmSync(d, { recursive: true, force: true });
  });

  async function device(extra: Parameters<typeof openDevice>[2] = {}) {
    const d = await openDevice(windc, transport, { issuer, ...extra });
    dirs.push(d.dir);
    return d;
  }

  it('primary enrollment with the enrollment secret: account, DMClient nodes, credentials and TLS files', async () => {
    const { dir, client } = await device();
    const account = await client.enroll({ server: windc.url, email: 'ada@windc.test', secret: windc.secret });
    assert.equal(account.kind, 'primary');
    assert.equal(account.providerId, 'windc');
    assert.equal(account.serverUrl, `${windc.url}/ManagementServer/MDM.svc`);
    for (const f of ['key.pem', 'cert.pem', 'ca.pem', 'enrollments.json', 'device.json']) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8').trim(), windc.caPem.trim());
    const devId = client.device.identity.devId;
    assert.equal(client.device.getNode(`${P}/windc/EntDMID`), devId);
    assert.equal(client.device.getNode(`${P}/windc/Poll/IntervalForFirstSetOfRetries`), '15');
    const record = client.store.get(account.id);
    assert.equal(record?.authPolicy, 'OnPremise');
    assert.equal(record?.appsrv?.type, 'DIGEST');
    assert.equal(record?.appsrv?.name, devId);
    assert.ok(record?.appsrv?.nonce, 'AAUTHDATA nonce kept for the first digest');
    const enrollment = await windc.server.context.store.devices.findActiveEnrollment(devId, 'primary');
    assert.ok(enrollment, 'the server recorded the enrollment');
    await client.close();

    const again = await DeviceClient.open(dir, { transport, trustedCaPems: [windc.caPem], systemRoots: false });
    assert.deepEqual(
      again.device.accountList().map((a) => a.id),
      [account.id],
    );
    assert.equal(again.store.get(account.id)?.appsrv?.secret, record?.appsrv?.secret);
    await again.close();
  });

  it('a wrong secret is refused with the Authentication fault’s HRESULT and leaves nothing behind', async () => {
    const { dir, client } = await device();
    await assert.rejects(
      client.enroll({ server: windc.url, email: 'eve@windc.test', secret: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE' }),
      (e: unknown) => e instanceof HResultError && e.hresult === 0x80180002,
    );
    assert.equal(client.device.accountList().length, 0);
    assert.ok(!existsSync(join(dir, 'cert.pem')));
    await client.close();
  });

  it('LinkedEnrollment/Enroll on an Entra-joined device: JSON discovery, Federated token, WinDC account', async () => {
    const { dir, client } = await device();
    const out = await client.link(`${windc.url}/EnrollmentConfiguration?api-version=1.0`);
    assert.equal(out.lastError, 0, `LastError ${out.lastError.toString(16)}`);
    assert.equal(out.enrollStatus, EnrollStatus.Succeeded);
    const account = out.account;
    assert.ok(account);
    assert.equal(account.kind, 'windc');
    assert.equal(account.providerId, 'windc-declared');
    assert.equal(account.enrollType, 0x1a);
    assert.equal(client.store.get(account.id)?.authPolicy, 'Federated');
    assert.ok(existsSync(join(dir, 'accounts', account.id, 'cert.pem')));
    const primary = client.primary();
    assert.equal(primary?.providerId, 'MS%20DM%20SERVER', 'the primary MDM is elsewhere');
    assert.equal(account.linkedTo, primary?.id);
    const linked = await windc.server.context.store.devices.findActiveEnrollment(
      client.device.identity.devId,
      'linked',
    );
    assert.ok(linked);
    await client.close();
  });

  it('an Entra-registered device enrolled in windc signs its linked enrollment with the parent certificate', async () => {
    const { client } = await device();
    await client.ensureEntra({ joinType: 'registered' });
    await client.enroll({ server: windc.url, email: 'bob@windc.test', secret: windc.secret });
    const out = await client.link(`${windc.url}/EnrollmentConfiguration`);
    assert.equal(out.enrollStatus, EnrollStatus.Succeeded, `LastError 0x${out.lastError.toString(16)}`);
    assert.ok(out.account);
    assert.equal(client.store.get(out.account.id)?.authPolicy, 'Certificate');
    assert.equal(out.account.linkedTo, client.primary()?.id);
    await client.close();
  });

  it('an Entra-registered device without a parent certificate fails with LastError, not an exception', async () => {
    const { client } = await device();
    await client.ensureEntra({ joinType: 'registered' });
    const out = await client.link(`${windc.url}/EnrollmentConfiguration`);
    assert.equal(out.enrollStatus, EnrollStatus.Failed);
    assert.equal(out.lastError, 0x80090011);
    await client.close();
  });

  it('Enroll without a DiscoveryEndpoint fails with 0x80070002', async () => {
    const { client } = await device();
    const out = await client.link();
    assert.deepEqual([out.enrollStatus, out.lastError], [EnrollStatus.Failed, 0x80070002]);
    await client.close();
  });
});

describe('emulator WinDC discovery: UPNRequired', () => {
  let windc: Windc;
  let transport: HttpTransport;
  const issuerDir = mkdtempSync(join(tmpdir(), 'windc-issuer-'));
  const dirs: string[] = [];
  let issuer: TokenIssuer;
  before(async () => {
    issuer = await TokenIssuer.open(issuerDir);
    windc = await startWindc([...issuer.serveFlags(), '--upn-required']);
    transport = newTransport();
  });
  after(async () => {
    transport.close();
    await windc.close();
    for (const d of [...dirs, issuerDir]) rmSync(d, { recursive: true, force: true });
  });

  it('retries discovery with the UPN when asked, and fails when the device has none', async () => {
    const a = await openDevice(windc, transport, { issuer });
    const b = await openDevice(windc, transport, { issuer });
    dirs.push(a.dir, b.dir);
    await a.client.ensureEntra({ upn: 'ada@windc.test' });
    const ok = await a.client.link(`${windc.url}/EnrollmentConfiguration`);
    assert.equal(ok.enrollStatus, EnrollStatus.Succeeded, `LastError 0x${ok.lastError.toString(16)}`);
    const refused = await b.client.link(`${windc.url}/EnrollmentConfiguration`);
    assert.equal(refused.enrollStatus, EnrollStatus.Failed);
    assert.equal(refused.lastError, 0x80180005);
    await a.client.close();
    await b.client.close();
  });
});

describe('emulator enrollment under the server’s rate limit', () => {
  let windc: Windc;
  let transport: HttpTransport;
  const issuerDir = mkdtempSync(join(tmpdir(), 'windc-issuer-'));
  const dirs: string[] = [];
  let issuer: TokenIssuer;
  before(async () => {
    issuer = await TokenIssuer.open(issuerDir);
    windc = await startWindc([...issuer.serveFlags(), '--enroll-rate', '1/1']);
    transport = newTransport();
  });
  after(async () => {
    transport.close();
    await windc.close();
    for (const d of [...dirs, issuerDir]) rmSync(d, { recursive: true, force: true });
  });

  it('waits out every Retry-After (429 on discovery, 503 on XCEP/WSTEP) and enrolls', async () => {
    const waits: Array<[string, number]> = [];
    const d = await openDevice(windc, transport, {
      issuer,
      hooks: {
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: () => Date.now(),
        onRetry: (reason, ms) => waits.push([reason, ms]),
      },
    });
    dirs.push(d.dir);
    const out = await d.client.link(`${windc.url}/EnrollmentConfiguration`);
    assert.equal(out.enrollStatus, EnrollStatus.Succeeded, `LastError 0x${out.lastError.toString(16)}`);
    assert.ok(waits.length >= 1, 'three requests within a second at 1/s: at least one was throttled');
    assert.ok(waits.every(([reason, ms]) => reason === 'retry-after' && ms >= 1000));
    await d.client.close();
  });
});
