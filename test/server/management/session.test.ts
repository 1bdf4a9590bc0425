import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LargeObjectInbox } from '../../../src/device/omadm/inbox.ts';
import {
  AlertCode,
  AlertType,
  alert,
  type ContainedCommand,
  type StatusCommand,
  typedAlert,
} from '../../../src/protocol/syncml/index.ts';
import { type BeforeDequeueHook, managementHooks } from '../../../src/server/management/hooks.ts';
import { type CommandTemplate, queueCommand } from '../../../src/server/management/payload.ts';
import { acks, message, package1, reply, results, sent, status } from './messages.ts';
import { enrolledClient, kinds, replace, statuses, type TestDevice, type TestServer, testServer } from './support.ts';

describe('the OMA-DM session engine', () => {
  let t: TestServer;
  before(async () => {
    t = await testServer(['--debug-ring', '4']);
  });
  after(() => t?.close());
  const store = () => t.server.context.store;

  const device = () => enrolledClient(t);
  async function queue(d: TestDevice, ...commands: CommandTemplate[]): Promise<string[]> {
    const ids: string[] = [];
    for (const command of commands) {
      ids.push((await queueCommand(store(), { enrollmentIds: [d.enrollment.id], command })).commandUuid);
    }
    return ids;
  }

  it('splits the queue over packages to fit MaxMsgSize, sending more only once all is answered', async () => {
    const { d, c } = await device();
    const ids = await queue(
      d,
      ...Array.from({ length: 9 }, (_, i) => replace(`./Vendor/MSFT/Test/N${i}`, 'x'.repeat(600))),
    );
    const meta = { maxMsgSize: 3000 };
    let m = (await c.post(package1({ deviceId: d.deviceId, meta }))).message!;
    const delivered: string[] = [];
    for (let msgId = 2; sent(m).length > 0; msgId++) {
      delivered.push(...sent(m).map((x) => x.cmdId));
      assert.equal(m.final, true, 'each package closes with Final');
      const next = await c.post(reply({ deviceId: d.deviceId, msgId, msgRef: msgId - 1, meta }, acks(m)));
      assert.ok(Buffer.byteLength(next.body) <= 3000, `message of ${Buffer.byteLength(next.body)} bytes`);
      m = next.message!;
    }
    c.close();
    assert.deepEqual(delivered, ids, 'all of them, in order, each once');
    assert.ok((await store().queue.list({ enrollmentId: d.enrollment.id })).every((r) => r.state === 'acked'));
    assert.deepEqual(statuses(m), [['SyncHdr', '0', 200]], 'the session ends with Status and Final');
  });

  it('sends nothing new while Statuses are owed, and sends the unanswered command again next session', async () => {
    const { d, c } = await device();
    const [a, b] = await queue(d, replace('./Vendor/MSFT/Test/A', '1'), replace('./Vendor/MSFT/Test/B', '2'));
    const pkg2 = (await c.post(package1({ deviceId: d.deviceId }))).message!;
    assert.deepEqual(
      sent(pkg2).map((x) => x.cmdId),
      [a, b],
    );
    const [third] = await queue(d, replace('./Vendor/MSFT/Test/C', '3'));
    const partial = (await c.post(reply({ deviceId: d.deviceId, msgId: 2, msgRef: 1 }, [acks(pkg2)[0]!]))).message!;
    assert.deepEqual(kinds(partial), ['Status'], 'no new command: B still owes its Status');
    assert.equal(partial.final, true);
    const next = (await c.post(package1({ deviceId: d.deviceId, sessionId: '2' }))).message!;
    c.close();
    assert.deepEqual(
      sent(next).map((x) => x.cmdId),
      [b, third],
      'B again under the CmdID it had, then what came after',
    );
  });

  it('answers a package still in progress with Alert 1222 and no Final, then delivers at its end', async () => {
    const { d, c } = await device();
    const [id] = await queue(d, replace('./Vendor/MSFT/Test/A', '1'));
    const first = (await c.post(package1({ deviceId: d.deviceId }).replace('<Final/>', ''))).message!;
    assert.deepEqual(kinds(first), ['Status', 'Status', 'Status', 'Status', `Alert ${AlertCode.NEXT_MESSAGE}`]);
    assert.equal(first.final, false);
    const rest = (await c.post(reply({ deviceId: d.deviceId, msgId: 2, msgRef: 1 }, []))).message!;
    c.close();
    assert.deepEqual(
      sent(rest).map((x) => x.cmdId),
      [id],
    );
    assert.equal(rest.final, true);
  });

  it('sends an object too large for a message as chunks with MoreData, Size first, until the device has it', async () => {
    const { d, c } = await device();
    const data = `<wifi>${'é∑<&>'.repeat(700)}${'𝄞'.repeat(50)}</wifi>`;
    const [id] = await queue(d, replace('./Vendor/MSFT/WiFi/Profile/Lab/WlanXml', data));
    const meta = { maxMsgSize: 2048 };
    let m = (await c.post(package1({ deviceId: d.deviceId, meta }))).message!;
    const inbox = new LargeObjectInbox();
    let whole: ContainedCommand | undefined;
    let chunks = 0;
    for (let msgId = 2; ; msgId++) {
      const [cmd] = sent(m);
      assert.ok(cmd && cmd.kind === 'Replace' && cmd.cmdId === id, 'one chunk per message, under the row’s CmdID');
      chunks++;
      const { outcome } = inbox.accept(cmd);
      if (outcome.kind === 'complete') {
        whole = outcome.command;
        assert.equal(m.final, true, 'Final with the last chunk');
        const done = await c.post(reply({ deviceId: d.deviceId, msgId, msgRef: msgId - 1, meta }, acks(m)));
        assert.deepEqual(statuses(done.message), [['SyncHdr', '0', 200]]);
        break;
      }
      assert.equal(outcome.kind, 'buffered');
      assert.equal(m.final, false, 'no Final while the object is in transit');
      const next = await c.post(
        reply(
          { deviceId: d.deviceId, msgId, msgRef: msgId - 1, meta },
          [status(msgId - 1, id!, 'Replace', 213), alert('0', AlertCode.NEXT_MESSAGE)],
          false,
        ),
      );
      assert.ok(Buffer.byteLength(next.body) <= 2048);
      m = next.message!;
    }
    c.close();
    assert.ok(chunks > 3);
    assert.equal(whole?.kind === 'Replace' && whole.items[0]?.data, data, 'reassembled exactly');
    const [row] = await store().queue.list({ commandUuid: id });
    assert.deepEqual([row?.state, row?.status], ['acked', 200]);
  });

  it('takes Results in chunks: 213 and Alert 1222 for each, the whole recorded at the end, 424 on a bad Size', async () => {
    const { d, c } = await device();
    const [id] = await queue(d, { kind: 'Get', items: [{ target: { locUri: './Vendor/MSFT/Big' } }] });
    const [id2] = await queue(d, { kind: 'Get', items: [{ target: { locUri: './Vendor/MSFT/Big2' } }] });
    await c.post(package1({ deviceId: d.deviceId }));
    const chunk = (cmdRef: string, data: string, more: boolean, size?: number) =>
      results(1, cmdRef, [
        {
          source: { locUri: cmdRef === id ? './Vendor/MSFT/Big' : './Vendor/MSFT/Big2' },
          ...(size !== undefined ? { meta: { size } } : {}),
          data,
          ...(more ? { moreData: true } : {}),
        },
      ]);
    const r1 = (
      await c.post(
        reply(
          { deviceId: d.deviceId, msgId: 2, msgRef: 1 },
          [status(1, id!, 'Get', 200), status(1, id2!, 'Get', 200), chunk(id!, 'abc', true, 6)],
          false,
        ),
      )
    ).message!;
    assert.deepEqual(statuses(r1).slice(1), [['Results', '4', 213]]);
    assert.deepEqual(kinds(r1).at(-1), `Alert ${AlertCode.NEXT_MESSAGE}`);
    assert.equal(r1.final, false);
    await c.post(
      reply(
        { deviceId: d.deviceId, msgId: 3, msgRef: 2 },
        [chunk(id!, 'def', false), chunk(id2!, 'x', true, 5)],
        false,
      ),
    );
    const bad = (await c.post(reply({ deviceId: d.deviceId, msgId: 4, msgRef: 3 }, [chunk(id2!, 'y', false)])))
      .message!;
    c.close();
    assert.deepEqual(statuses(bad).slice(1), [['Results', '2', 424]]);
    const [row] = await store().queue.list({ commandUuid: id });
    assert.deepEqual(row?.results.at(-1)?.items, [{ source: './Vendor/MSFT/Big', data: 'abcdef' }]);
    const [row2] = await store().queue.list({ commandUuid: id2 });
    assert.deepEqual(row2?.results, [], 'a broken object is not recorded');
  });

  it('answers a repeated message exactly as before, recording nothing twice', async () => {
    const { d, c } = await device();
    const [a, b] = await queue(d, replace('./Vendor/MSFT/Test/A', '1'), replace('./Vendor/MSFT/Test/B', '2'));
    const pkg2 = (await c.post(package1({ deviceId: d.deviceId, meta: { maxMsgSize: 4096 } }))).message!;
    const first = reply({ deviceId: d.deviceId, msgId: 2, msgRef: 1 }, acks(pkg2));
    // Package 1 again (its reply was lost): a new session, the same commands under the same CmdIDs.
    const again = (await c.post(package1({ deviceId: d.deviceId }))).message!;
    assert.deepEqual(
      sent(again).map((x) => x.cmdId),
      [a, b],
    );
    const [c3] = await queue(d, replace('./Vendor/MSFT/Test/C', '3'));
    const r1 = await c.post(first);
    const r2 = await c.post(first);
    c.close();
    assert.equal(r2.body, r1.body, 'the same reply');
    assert.deepEqual(
      sent(r1.message).map((x) => x.cmdId),
      [c3],
    );
    const rows = await store().queue.list({ enrollmentId: d.enrollment.id });
    assert.deepEqual(
      rows.map((r) => [r.state, r.itemStatuses.length, r.attempts]),
      [
        ['acked', 1, 2],
        ['acked', 1, 2],
        ['queued', 0, 1],
      ],
    );
  });

  it('queues a Replace for an Add answered 418, and sends it in the same session', async () => {
    const { d, c } = await device();
    const [add] = await queue(d, {
      kind: 'Add',
      items: [{ target: { locUri: './Vendor/MSFT/Test/Node' }, data: 'v' }],
    });
    const pkg2 = (await c.post(package1({ deviceId: d.deviceId }))).message!;
    const pkg4 = (await c.post(reply({ deviceId: d.deviceId, msgId: 2, msgRef: 1 }, [status(1, add!, 'Add', 418)])))
      .message!;
    c.close();
    const [retry] = sent(pkg4);
    assert.equal(retry?.kind, 'Replace');
    assert.notEqual(retry?.cmdId, add);
    const original = sent(pkg2)[0];
    assert.deepEqual(retry?.kind === 'Replace' && retry.items, original?.kind === 'Add' && original.items);
    const [row] = await store().queue.list({ commandUuid: add });
    assert.equal(row?.status, 418);
  });

  it('numbers Atomic children under the row, records their Statuses, and runs Exec', async () => {
    const { d, c } = await device();
    const [atomic, exec] = await queue(
      d,
      { kind: 'Atomic', commands: [replace('./Vendor/MSFT/A', '1'), replace('./Vendor/MSFT/B', '2')] },
      { kind: 'Exec', items: [{ target: { locUri: './Vendor/MSFT/RemoteWipe/doWipe' } }] },
    );
    const pkg2 = (await c.post(package1({ deviceId: d.deviceId }))).message!;
    const [a, e] = sent(pkg2);
    assert.equal(a?.kind === 'Atomic' && a.commands.map((x) => x.cmdId).join(), `${atomic}.1,${atomic}.2`);
    assert.equal(e?.kind === 'Exec' && e.cmdId, exec);
    await c.post(
      reply({ deviceId: d.deviceId, msgId: 2, msgRef: 1 }, [
        status(1, atomic!, 'Atomic', 507),
        status(1, `${atomic}.1`, 'Replace', 216),
        status(1, `${atomic}.2`, 'Replace', 500),
        status(1, exec!, 'Exec', 202),
      ]),
    );
    c.close();
    const [ra, re] = await store().queue.list({ enrollmentId: d.enrollment.id });
    assert.equal(ra?.status, 507);
    assert.deepEqual(
      ra?.itemStatuses.map((s) => [s.cmdRef, s.code]),
      [
        [atomic, 507],
        [`${atomic}.1`, 216],
        [`${atomic}.2`, 500],
      ],
    );
    assert.equal(re?.status, 202);
  });

  it('answers the requestpending keep-alive with Statuses only', async () => {
    const { d, c } = await device();
    await queue(d, replace('./Vendor/MSFT/Test/A', '1'));
    const keepAlive = typedAlert('0', AlertCode.CLIENT_EVENT, AlertType.REQUEST_PENDING, '');
    const r = (await c.post(package1({ deviceId: d.deviceId }, { extra: [keepAlive] }))).message!;
    c.close();
    assert.ok(statuses(r).every(([, , code]) => code === 200));
    assert.deepEqual(sent(r), []);
  });

  it('records every WinDC summary, refuses a broken one with 400 and keeps the rest of the message', async () => {
    const { d, c } = await device();
    const docs = (state: number) => [
      { id: '11111111-2222-4333-8444-555555555555', state },
      { id: '11111111-2222-4333-8444-666666666666', state: 60 },
    ];
    await c.post(package1({ deviceId: d.deviceId }, { docs: docs(10) }));
    await c.post(package1({ deviceId: d.deviceId, sessionId: '2' }, { docs: docs(60) }));
    const reported = await store().reports.listForEnrollment(d.enrollment.id);
    assert.deepEqual(
      reported.map((r) => r.state),
      [60, 60],
    );
    assert.deepEqual(
      (await store().reports.history(d.enrollment.id, docs(0)[0]!.id)).map((x) => x.toState),
      [60, 10],
    );
    const broken = package1({ deviceId: d.deviceId, sessionId: '3' }, { docs: docs(60) }).replace(
      'state="60"',
      'state="9999"',
    );
    const r = (await c.post(broken)).message!;
    c.close();
    assert.deepEqual(
      statuses(r).map((s) => s[2]),
      [200, 200, 200, 400, 200],
    );
    assert.equal((await store().reports.listForEnrollment(d.enrollment.id)).length, 2, 'the last good report stands');
  });

  it('lets a hook queue commands that leave in the very reply', async () => {
    const { d, c } = await device();
    const seen: number[] = [];
    const hook = async (event: Parameters<ReturnType<typeof managementHooks>['beforeDequeue'][number]>[0]) => {
      if (event.enrollment.id !== d.enrollment.id) return;
      seen.push(event.session.msgId);
      if (event.report?.outcome.changed.length) {
        await queueCommand(event.tx, {
          enrollmentIds: [d.enrollment.id],
          command: replace('./Vendor/MSFT/Hooked', '1'),
        });
      }
    };
    const hooks = managementHooks(t.server.context).beforeDequeue;
    hooks.push(hook);
    try {
      const r = (
        await c.post(
          package1({ deviceId: d.deviceId }, { docs: [{ id: '11111111-2222-4333-8444-777777777777', state: 60 }] }),
        )
      ).message!;
      assert.deepEqual(seen, [1]);
      const [hooked] = sent(r);
      assert.equal(hooked?.kind === 'Replace' && hooked.items[0]?.target?.locUri, './Vendor/MSFT/Hooked');
    } finally {
      hooks.splice(hooks.indexOf(hook), 1);
      c.close();
    }
  });

  it('lets a poll skip quiet hooks when it brings nothing new, and runs them when it does', async () => {
    const { d, c } = await device();
    const seen: number[] = [];
    let quiet = false;
    const hook: BeforeDequeueHook = async (event) => {
      if (event.enrollment.id === d.enrollment.id) seen.push(event.session.msgId);
    };
    hook.quiet = async ({ enrollment }) => enrollment.id !== d.enrollment.id || quiet;
    const doc = (state: number) => ({ docs: [{ id: '11111111-2222-4333-8444-888888888888', state }] });
    const hooks = managementHooks(t.server.context).beforeDequeue;
    hooks.push(hook);
    try {
      const poll = async (state: number) => {
        const m = (await c.post(package1({ deviceId: d.deviceId }, doc(state)))).message!;
        assert.deepEqual(statuses(m)[0], ['SyncHdr', '0', 200]);
        return seen.length;
      };
      assert.equal(await poll(11), 1, 'a first report is news');
      quiet = true;
      assert.equal(await poll(11), 1, 'the same report to a quiet hook: fast path');
      const before = (await store().devices.getEnrollment(d.enrollment.id))?.lastSeenAt;
      t.clock.t += 1000;
      assert.equal(await poll(11), 1);
      assert.ok(((await store().devices.getEnrollment(d.enrollment.id))?.lastSeenAt ?? 0) > (before ?? 0), 'seen');
      assert.equal(await poll(60), 2, 'a changed report goes to the hook, quiet or not');
      assert.equal((await store().reports.get(d.enrollment.id, doc(60).docs[0]!.id))?.state, 60);
      quiet = false;
      assert.equal(await poll(60), 3, 'a hook that is not quiet sees every message');
      delete hook.quiet;
      quiet = true;
      assert.equal(await poll(60), 4, 'and so does a hook that cannot tell');
    } finally {
      hooks.splice(hooks.indexOf(hook), 1);
      c.close();
    }
  });

  it('answers a stale duplicate with Statuses only', async () => {
    const { d, c } = await device();
    await queue(d, replace('./Vendor/MSFT/Test/A', '1'), replace('./Vendor/MSFT/Test/B', '2'));
    const pkg2 = (await c.post(package1({ deviceId: d.deviceId }))).message!;
    const m2 = reply({ deviceId: d.deviceId, msgId: 2, msgRef: 1 }, [acks(pkg2)[0]!]);
    await c.post(m2);
    await c.post(reply({ deviceId: d.deviceId, msgId: 3, msgRef: 2 }, [acks(pkg2)[1]!]));
    const late = (await c.post(m2)).message!;
    c.close();
    assert.deepEqual(kinds(late), ['Status']);
    const hdr = late.commands[0] as StatusCommand;
    assert.equal(hdr.msgRef, '2');
  });

  it('builds only valid messages for odd but legal input: an empty message body from the device', async () => {
    const { d, c } = await device();
    const r = (await c.post(message({ deviceId: d.deviceId }, [alert('2', AlertCode.CLIENT_INITIATED_MGMT)]))).message!;
    c.close();
    assert.deepEqual(statuses(r), [
      ['SyncHdr', '0', 200],
      ['Alert', '2', 200],
    ]);
  });
});
