/**
 * Real Windows traffic (../shared: the 26200 captures and research/samples) replayed through a real HTTPS server.
 * The captures' DeviceID, Cred and the CmdRefs naming the server's commands are rewritten to this run's values
 * (the captures were sanitised and cannot authenticate as they are); everything else goes on the wire as
 * Windows sent it, and every answer is checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSyncML, type StatusCommand } from '../../../src/protocol/syncml/index.ts';
import { queueCommand } from '../../../src/server/management/payload.ts';
import {
  adapt,
  client,
  enrollDevice,
  httpBody,
  kinds,
  SHARED_MISSING,
  shared,
  statuses,
  type TestDevice,
  type TestServer,
  testServer,
} from './support.ts';

const W = 'fixtures/windows-26200/windows-26200.9278-';
const capture = (name: string) => shared(`${W}${name}.xml`)!;
const sample = (name: string) => shared(`research/samples/${name}`)!;
const skip = SHARED_MISSING;

function get(...targets: string[]) {
  return { kind: 'Get' as const, items: targets.map((t) => ({ target: { locUri: t } })) };
}

describe('replaying the Windows 26200 captures and public samples', { skip }, () => {
  let t: TestServer;
  before(async () => {
    t = await testServer();
  });
  after(() => t?.close());
  const store = () => t.server.context.store;

  async function queue(d: TestDevice, ...commands: ReturnType<typeof get>[]) {
    const out: string[] = [];
    for (const command of commands) {
      out.push((await queueCommand(store(), { enrollmentIds: [d.enrollment.id], command })).commandUuid);
    }
    return out;
  }

  it('answers package 1 with a Status for the SyncHdr and each command, then Final, as Windows expects', async () => {
    const d = await enrollDevice(t);
    const c = client(t, d);
    const r = await c.post(adapt(capture('package1-user'), d));
    c.close();
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/vnd.syncml.dm+xml');
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
    const m = r.message!;
    // The real server reply that ended a session (fleet dump) has exactly this shape.
    const reference = parseSyncML(httpBody(sample('windc/fleetdump-omadm-server-pkg2-status-only-final.http.txt')));
    assert.deepEqual(statuses(m), statuses(reference));
    assert.deepEqual(kinds(m), kinds(reference));
    assert.equal(m.final, true);
    assert.deepEqual(
      [m.header.sessionId, m.header.msgId, m.header.target.locUri],
      ['1', '1', d.deviceId],
      'same session and MsgID, addressed to the device',
    );
    const e = await store().devices.getEnrollment(d.enrollment.id);
    assert.deepEqual(e?.devInfo, {
      LoginStatus: 'user',
      DevId: d.deviceId,
      Man: 'Example Manufacturer',
      Mod: 'Conformance Device',
      DmV: '1.3',
      Lang: 'en-US',
    });
    assert.ok(e?.lastSeenAt);
  });

  it('challenges package 1 without Cred, then accepts the digest re-send with 212 and the next nonce', async () => {
    const d = await enrollDevice(t);
    const c = client(t); // behind a TLS-terminating balancer: no client certificate
    const first = await c.post(adapt(capture('package1-user'), d));
    const hdr = first.message!.commands[0] as StatusCommand;
    assert.equal(hdr.code, 407);
    assert.equal(hdr.chal?.meta.type, 'syncml:auth-md5');
    assert.equal(hdr.chal?.meta.format, 'b64');
    const nonce = hdr.chal?.meta.nextNonce;
    assert.ok(nonce && nonce !== d.nonce, 'a fresh nonce');
    assert.deepEqual(statuses(first.message), [
      ['SyncHdr', '0', 407],
      ['Alert', '2', 407],
      ['Alert', '3', 407],
      ['Replace', '4', 407],
    ]);
    assert.equal((await store().devices.getEnrollment(d.enrollment.id))?.lastSeenAt, null, 'nothing processed');

    const resent = await c.post(
      adapt(capture('package1-digest'), d, { cred: { user: d.user, secret: d.secret, nonce } }),
    );
    c.close();
    const ok = resent.message!;
    const accepted = ok.commands[0] as StatusCommand;
    assert.equal(accepted.code, 212);
    assert.ok(accepted.chal?.meta.nextNonce && accepted.chal.meta.nextNonce !== nonce, 'the next session’s nonce');
    assert.deepEqual(statuses(ok).slice(1), [
      ['Alert', '2', 200],
      ['Alert', '3', 200],
      ['Replace', '4', 200],
    ]);
    assert.equal(ok.header.msgId, '2');
    assert.ok((await store().devices.getEnrollment(d.enrollment.id))?.lastSeenAt);
    assert.equal((await store().sessions.get(d.enrollment.id))?.nonce, accepted.chal?.meta.nextNonce);
  });

  it('records one Status per Item with TargetRef and the multi-Item Results of one Get', async () => {
    const d = await enrollDevice(t);
    const [uuid] = await queue(
      d,
      get(
        './DevDetail/SwV',
        './DevDetail/LrgObj',
        './DevDetail/URI/MaxSegLen',
        './Device/Vendor/MSFT/DeviceManageability/Capabilities/CSPVersions',
        './Device/Vendor/MSFT/DMClient/Provider/go-microsoft-dm-local-test/Push/ChannelURI',
      ),
    );
    const c = client(t, d);
    const pkg2 = (await c.post(adapt(capture('package1-digest'), d))).message!;
    assert.deepEqual(kinds(pkg2), ['Status', 'Status', 'Status', 'Status', 'Get']);
    const sent = pkg2.commands[4]!;
    assert.equal(sent.kind === 'Get' && sent.cmdId, uuid, 'the CmdID on the wire is the queue row');
    assert.equal(sent.kind === 'Get' && sent.items.length, 5);
    assert.equal(pkg2.header.msgId, '2');

    const pkg4 = (await c.post(adapt(capture('devdetail-results'), d, { cmdRefs: { 5: uuid! } }))).message!;
    c.close();
    assert.deepEqual(statuses(pkg4), [['SyncHdr', '0', 200]], 'no Status for Status or Results');
    assert.equal(pkg4.final, true);
    const [row] = await store().queue.list({ commandUuid: uuid });
    assert.equal(row?.state, 'acked');
    assert.equal(row?.status, 200);
    assert.deepEqual(
      row?.itemStatuses.map((s) => [s.targetRef?.split('/').pop(), s.code, s.msgRef]),
      [
        ['SwV', 200, 2],
        ['LrgObj', 200, 2],
        ['MaxSegLen', 200, 2],
        ['CSPVersions', 200, 2],
        ['ChannelURI', 404, 2],
      ],
    );
    const items = row?.results[0]?.items ?? [];
    assert.deepEqual(
      items.map((i) => [i.source.split('/').pop(), i.format]),
      [
        ['SwV', undefined],
        ['LrgObj', 'bool'],
        ['MaxSegLen', undefined],
        ['CSPVersions', 'xml'],
      ],
    );
    assert.match(items[3]?.data ?? '', /^<\?xml version="1.0" encoding="utf-8"\?>\n<DeviceManageability/);
    const info = (await store().devices.getEnrollment(d.enrollment.id))?.devInfo;
    assert.equal(info?.['DevDetail/SwV'], '10.0.26200.9278', 'DevDetail recorded when asked for');
    assert.equal(info?.['DevDetail/LrgObj'], 'false');
  });

  it('keeps separate Gets apart: 200 with Results, and 406 for each unsupported node', async () => {
    const d = await enrollDevice(t);
    const ids = await queue(
      d,
      get('./DevDetail/SwV'),
      get('./Device/Vendor/MSFT/DeviceManageability/Capabilities/CSPVersions'),
      get('./Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval'),
      get('./Device/Vendor/MSFT/DeclaredConfiguration/Host/BulkTemplate'),
      get('./User/Vendor/MSFT/DeclaredConfiguration'),
    );
    const c = client(t, d);
    const pkg1 = adapt(capture('package1-digest'), d).replace('<SessionID>1</SessionID>', '<SessionID>2</SessionID>');
    const pkg2 = (await c.post(pkg1)).message!;
    assert.deepEqual(
      pkg2.commands.filter((x) => x.kind === 'Get').map((x) => x.kind === 'Get' && x.cmdId),
      ids,
      'in queue order',
    );
    const refs = Object.fromEntries(ids.map((id, i) => [String(5 + i), id]));
    const pkg4 = (await c.post(adapt(capture('capability-probes'), d, { cmdRefs: refs }))).message!;
    c.close();
    assert.deepEqual(statuses(pkg4), [['SyncHdr', '0', 200]]);
    const rows = await store().queue.list({ enrollmentId: d.enrollment.id });
    assert.deepEqual(
      rows.map((r) => [r.state, r.status, r.results.length]),
      [
        ['acked', 200, 1],
        ['acked', 200, 1],
        ['acked', 406, 0],
        ['acked', 406, 0],
        ['acked', 406, 0],
      ],
    );
  });

  it('ends the session on 1223 without commands and sends the unanswered Get again next session', async () => {
    const d = await enrollDevice(t);
    const [uuid] = await queue(d, get('./Device/Vendor/MSFT/DeviceManageability/Capabilities/CSPVersions'));
    const c = client(t, d);
    const session = (n: number, xml: string) => xml.replace('<SessionID>1</SessionID>', `<SessionID>${n}</SessionID>`);
    const pkg2 = (await c.post(session(4, adapt(capture('package1-user'), d)))).message!;
    assert.deepEqual(kinds(pkg2).slice(-1), ['Get']);
    // The capture aborted at MsgID 4 answering MsgID 3; here the session is two messages shorter.
    const abort = adapt(capture('large-result-abort-2048'), d)
      .replace('<MsgID>4</MsgID>', '<MsgID>2</MsgID>')
      .replace('<MsgRef>3</MsgRef>', '<MsgRef>1</MsgRef>');
    const r = (await c.post(abort)).message!;
    assert.deepEqual(statuses(r), [
      ['SyncHdr', '0', 200],
      ['Alert', '2', 200],
    ]);
    assert.deepEqual(kinds(r), ['Status', 'Status']);
    assert.equal(r.final, true);
    const [row] = await store().queue.list({ commandUuid: uuid });
    assert.deepEqual([row?.state, row?.attempts], ['queued', 1]);
    const next = (await c.post(session(5, adapt(capture('package1-user'), d)))).message!;
    c.close();
    const again = next.commands.at(-1);
    assert.equal(again?.kind === 'Get' && again.cmdId, uuid, 're-sent under the same CmdID');
    assert.equal((await store().queue.list({ commandUuid: uuid }))[0]?.attempts, 2);
  });

  it('unenrolls on the user-request 1226, answers everything, and refuses the device afterwards', async () => {
    const d = await enrollDevice(t);
    await queue(d, get('./DevDetail/SwV'));
    const c = client(t, d);
    const r = (await c.post(adapt(capture('unenroll-1226'), d))).message!;
    assert.deepEqual(statuses(r), [
      ['SyncHdr', '0', 200],
      ['Alert', '2', 200],
      ['Alert', '3', 200],
      ['Alert', '4', 200],
      ['Replace', '5', 200],
    ]);
    assert.deepEqual(kinds(r), ['Status', 'Status', 'Status', 'Status', 'Status'], 'no commands for a leaving device');
    assert.equal((await store().devices.getEnrollment(d.enrollment.id))?.status, 'unenrolled');
    const after = (await c.post(adapt(capture('package1-user'), d))).message!;
    c.close();
    assert.equal((after.commands[0] as StatusCommand).code, 401);
  });

  it('answers a namespace 1.1 package in 1.1, and takes the client’s 1.2 Results to it', async () => {
    const d = await enrollDevice(t);
    const [uuid] = await queue(d, get('./DevInfo/Man'));
    const c = client(t, d);
    const pkg1 = adapt(capture('package1-digest'), d).replace('SYNCML:SYNCML1.2', 'SYNCML:SYNCML1.1');
    const reply = (await c.post(pkg1)).message!;
    const reference = parseSyncML(capture('namespace11-response'));
    assert.equal(reply.namespace, 'SYNCML:SYNCML1.1');
    assert.equal(reply.header.verDtd, '1.2');
    assert.deepEqual(kinds(reply), kinds(reference));
    assert.deepEqual(statuses(reply), statuses(reference));
    const results = adapt(capture('namespace11-results'), d, { cmdRefs: { 5: uuid! } });
    const end = (await c.post(results)).message!;
    c.close();
    assert.equal(end.namespace, 'SYNCML:SYNCML1.2');
    const [row] = await store().queue.list({ commandUuid: uuid });
    assert.equal(row?.status, 200);
    assert.deepEqual(row?.results[0]?.items, [{ source: './DevInfo/Man', data: 'Example Manufacturer' }]);
  });

  it('takes a WinDC 1224 document summary (Learn sample, namespace 1.1) as the complete report', async () => {
    const d = await enrollDevice(t);
    const xml = shared('fixtures/reference/learn-windc-1224-declaredconfigurationdocuments.xml')!.replaceAll(
      'F717C0F0-5F68-4AC3-A341-01B2544219DF',
      d.deviceId,
    );
    const c = client(t, d);
    const r = (await c.post(xml)).message!;
    c.close();
    assert.deepEqual(statuses(r), [
      ['SyncHdr', '0', 200],
      ['Alert', '2', 200],
      ['Alert', '3', 200],
    ]);
    const docs = await store().reports.listForEnrollment(d.enrollment.id);
    assert.deepEqual(
      docs.map((x) => [x.documentId, x.scope, x.state, x.checksum]),
      [['99988660-9080-3433-96e8-f32e85011e55', 'Device', 60, '99925209110918B67FE962460BE0DBB0']],
    );
  });

  it('serves a Windows 10 session from the public samples: Replaces, 202 statuses, Status-only end', async () => {
    const d = await enrollDevice(t);
    const replace = (uri: string) => ({
      kind: 'Replace' as const,
      items: [
        {
          target: { locUri: uri },
          meta: { format: 'chr', type: 'text/plain' },
          data: 'https://fleetdm.com/images/articles/fleet-4.24.0-cover-1600x900@2x.jpg',
        },
      ],
    });
    const ids: string[] = [];
    for (const uri of [
      './Vendor/MSFT/Personalization/DesktopImageUrl',
      './Vendor/MSFT/Personalization/LockScreenImageUrl',
    ]) {
      ids.push((await queueCommand(store(), { enrollmentIds: [d.enrollment.id], command: replace(uri) })).commandUuid);
    }
    const swap = (x: string) => x.replaceAll('1E08C6E95D8BB843B1278FF45BC60CC6', d.deviceId);
    const c = client(t, d);
    const pkg2 = (await c.post(swap(httpBody(sample('windc/marcosd4h-01-omadm-device-pkg1.http.txt'))))).message!;
    const reference = parseSyncML(
      httpBody(sample('windc/marcosd4h-02-omadm-server-pkg2-statuses-and-replace.http.txt')),
    );
    assert.deepEqual(kinds(pkg2), kinds(reference));
    assert.deepEqual(statuses(pkg2), statuses(reference));
    const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'cmdId' ? undefined : v)));
    assert.deepEqual(
      strip(pkg2.commands.slice(4)),
      strip(reference.commands.slice(4)),
      'the Replaces as Windows took them',
    );
    const pkg3 = httpBody(sample('windc/marcosd4h-03-omadm-device-pkg3-status-202.http.txt'));
    const end = (
      await c.post(
        swap(pkg3)
          .replace('<CmdRef>5</CmdRef>', `<CmdRef>${ids[0]}</CmdRef>`)
          .replace('<CmdRef>6</CmdRef>', `<CmdRef>${ids[1]}</CmdRef>`),
      )
    ).message!;
    c.close();
    assert.deepEqual(statuses(end), [['SyncHdr', '0', 200]]);
    assert.equal(end.final, true);
    const rows = await store().queue.list({ enrollmentId: d.enrollment.id });
    assert.deepEqual(
      rows.map((r) => [r.state, r.status]),
      [
        ['acked', 202],
        ['acked', 202],
      ],
    );
  });

  it('takes the Mattrax retry: hex SessionID, MD5 Cred, msft namespace, Status 500 for the server header', async () => {
    const d = await enrollDevice(t);
    const xml = sample('windc/mattrax-omadm-device-msg2-md5cred-hdrstatus500.xml').replace(
      '<LocURI>def</LocURI>',
      `<LocURI>${d.deviceId}</LocURI>`,
    );
    const c = client(t, d);
    const r = (await c.post(xml)).message!;
    c.close();
    assert.equal(r.header.sessionId, 'D');
    assert.deepEqual(statuses(r), [
      ['SyncHdr', '0', 200],
      ['Alert', '2', 200],
      ['Alert', '3', 200],
      ['Replace', '4', 200],
    ]);
    const info = (await store().devices.getEnrollment(d.enrollment.id))?.devInfo;
    assert.equal(info?.Mod, 'XPS 13 9310 2-in-1');
    assert.equal(info?.['Vendor/MSFT/DMClient/HWDevID'], 'def');
  });

  it('takes Fleet’s Windows 10 captures: package 1, and the unenroll without Mark', async () => {
    const d = await enrollDevice(t);
    const swap = (x: string) => x.replaceAll('B5B954E81FBCB94EB79BD08BE625F4EE', d.deviceId);
    const c = client(t, d);
    const first = (await c.post(swap(sample('fleet/04-management-session1-request.xml')))).message!;
    assert.deepEqual(
      statuses(first).map((s) => s[2]),
      [200, 200, 200, 200],
    );
    const bye = (await c.post(swap(sample('fleet/05-management-unenroll-request.xml')))).message!;
    c.close();
    assert.deepEqual(
      statuses(bye).map((s) => s[2]),
      [200, 200, 200, 200, 200],
    );
    assert.equal((await store().devices.getEnrollment(d.enrollment.id))?.status, 'unenrolled');
  });
});
