/**
 * Whole sessions between the device emulator (src/device: its CSP tree, DeclaredConfiguration and OMA-DM client)
 * and a real windc server, over keep-alive mTLS: commands delivered and answered, the WinDC summary reported in
 * every message, the document's progress followed across sessions, a large object, and unenrollment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CorrelationVector } from '../../../src/device/net/headers.ts';
import { HttpTransport, TlsIdentity } from '../../../src/device/net/transport.ts';
import { USER_UNENROLLMENT } from '../../../src/device/omadm/message.ts';
import { runSession, type SessionContext } from '../../../src/device/omadm/session.ts';
import { type CommandTemplate, queueCommand } from '../../../src/server/management/payload.ts';
import { docUri, fileDoc, type Harness, harness, settle } from '../../device/support.ts';
import { enrollDevice, type TestDevice, type TestServer, testServer } from './support.ts';

const DOC = '5C1A6B2E-0F3D-4E7A-9B8C-1D2E3F4A5B6C';

describe('the device emulator against windc, end to end', () => {
  let t: TestServer;
  let h: Harness;
  let d: TestDevice;
  let transport: HttpTransport;
  let ctx: SessionContext;
  before(async () => {
    // Windows announces no MaxMsgSize; a small assumed one makes a document travel as a large object below.
    t = await testServer(['--public-url', 'https://127.0.0.1', '--device-max-msg-size', '8192']);
    h = await harness();
    d = await enrollDevice(t, { deviceId: h.device.identity.devId });
    transport = new HttpTransport();
    ctx = {
      transport,
      tls: new TlsIdentity('e2e', { key: d.keyPem, cert: d.certPem, ca: [t.server.context.ca.certPem] }),
      endpoint: h.ep,
      record: {
        accountId: h.windc.id,
        serverUrl: `https://127.0.0.1:${t.port}/ManagementServer/MDM.svc`,
        authPolicy: 'Federated',
        tlsDir: '.',
        appsrv: { type: 'DIGEST', name: d.user, secret: d.secret, nonce: d.nonce },
        sessionCount: 0,
        enrolledAt: 0,
      },
      saveRecord: async () => {},
      devId: h.device.identity.devId,
      providerId: h.windc.providerId,
      readNode: (u) => h.device.getNode(u),
      cv: new CorrelationVector('a/tCeBgffEqA5408'),
      retry: { connRetries: 2, initialBackoffMs: 1, maxBackoffMs: 2, retryAfterAttempts: 2, maxRetryAfterMs: 1000 },
      hooks: { sleep: async () => {}, now: () => Date.now() },
    };
  });
  after(async () => {
    transport?.close();
    await h?.cleanup();
    await t?.close();
  });
  const store = () => t.server.context.store;
  const queue = async (command: CommandTemplate) =>
    (await queueCommand(store(), { enrollmentIds: [d.enrollment.id], command })).commandUuid;

  it('runs a quiet poll: package 1, Statuses and Final, recorded', async () => {
    const r = await runSession(ctx);
    assert.deepEqual([r.ok, r.end, r.messages, r.commands], [true, 'completed', 1, 0]);
    const e = await store().devices.getEnrollment(d.enrollment.id);
    assert.equal(e?.devInfo?.DevId, h.device.identity.devId);
    assert.ok(e?.lastSeenAt);
  });

  it('delivers a document and a Get, and follows the document to state 60 through the 1224 summary', async () => {
    const doc = fileDoc(
      DOC,
      { DestinationPath: 'C:\\Temp\\windc\\e2e.txt', Contents: 'from windc' },
      { checksum: 'E2' },
    );
    const put = await queue({
      kind: 'Replace',
      items: [{ target: { locUri: docUri('Device', 'Complete', DOC) }, data: doc }],
    });
    const get = await queue({ kind: 'Get', items: [{ target: { locUri: './DevDetail/SwV' } }] });
    const r = await runSession(ctx);
    assert.deepEqual([r.ok, r.end, r.commands], [true, 'completed', 2]);
    const rows = await store().queue.list({ enrollmentId: d.enrollment.id });
    assert.deepEqual(
      rows.map((x) => [x.commandUuid, x.state, x.status]),
      [
        [put, 'acked', 200],
        [get, 'acked', 200],
      ],
    );
    assert.ok(rows[1]?.results[0]?.items[0]?.data, 'the Results of the Get');
    const early = await store().reports.listForEnrollment(d.enrollment.id);
    assert.deepEqual(
      early.map((x) => x.documentId.toUpperCase()),
      [DOC],
      'reported in the same session, while in progress',
    );
    await settle(h);
    await runSession(ctx);
    const reported = await store().reports.listForEnrollment(d.enrollment.id);
    assert.deepEqual(
      reported.map((x) => [x.documentId.toUpperCase(), x.state, x.checksum]),
      [[DOC, 60, 'E2']],
    );
  });

  it('sends a document larger than a message as a large object, which the device reassembles', async () => {
    const big = fileDoc(
      DOC,
      { DestinationPath: 'C:\\Temp\\windc\\big.txt', Contents: 'B'.repeat(20_000) },
      { checksum: 'E3' },
    );
    const id = await queue({
      kind: 'Replace',
      items: [{ target: { locUri: docUri('Device', 'Complete', DOC) }, data: big }],
    });
    const r = await runSession(ctx);
    assert.equal(r.ok, true);
    assert.ok(r.messages >= 4, `${r.messages} messages: one per chunk`);
    const [row] = await store().queue.list({ commandUuid: id });
    assert.deepEqual([row?.state, row?.status], ['acked', 200]);
    await settle(h);
    await runSession(ctx);
    const reported = await store().reports.listForEnrollment(d.enrollment.id);
    assert.deepEqual(
      reported.map((x) => [x.state, x.checksum]),
      [[60, 'E3']],
    );
  });

  it('ends the enrollment when the user removes the account (1226)', async () => {
    const r = await runSession(ctx, { genericAlerts: [USER_UNENROLLMENT] });
    assert.equal(r.ok, true);
    assert.equal((await store().devices.getEnrollment(d.enrollment.id))?.status, 'unenrolled');
    const refused = await runSession(ctx);
    assert.deepEqual([refused.ok, refused.error?.name], [false, 'SessionError']);
  });
});
