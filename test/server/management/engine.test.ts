/** The pure session core, table by table: no server, no store. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AlertCode,
  AlertType,
  alert,
  buildCommand,
  buildSyncML,
  type ContainedCommand,
  md5Cred,
  md5UserHash,
  parseSyncML,
  parseSyncMLTolerant,
  type ReplaceCommand,
  typedAlert,
} from '../../../src/protocol/syncml/index.ts';
import { checkDigest } from '../../../src/server/management/auth/digest.ts';
import { DebugRing } from '../../../src/server/management/debug-ring.ts';
import { assembleResults } from '../../../src/server/management/engine/inbound.ts';
import { chunkAt, Selector } from '../../../src/server/management/engine/outbound.ts';
import { factKey, type Received, receive } from '../../../src/server/management/engine/receive.ts';
import { compose, decide, type Plan } from '../../../src/server/management/engine/respond.ts';
import { readSessionData } from '../../../src/server/management/engine/state.ts';
import { Overload } from '../../../src/server/management/overload.ts';
import { commandPayload, PayloadError, renderQueued, withCmdIds } from '../../../src/server/management/payload.ts';
import { message, package1, reply, results, status } from './messages.ts';

const ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const DEVICE = '0123456789ABCDEF0123456789ABCDEF';

function received(xml: string, state = {}): Received {
  return receive({ parse: parseSyncMLTolerant(xml), state, header: { code: 200 }, devInfo: null, maxObjSize: 1 << 20 });
}

describe('receive: what the device said', () => {
  it('answers each command in order and gathers DevInfo and LoginStatus', () => {
    const r = received(package1({ deviceId: DEVICE }));
    assert.deepEqual(
      r.statuses.map((s) => [s.cmd, s.cmdRef, s.code]),
      [
        ['SyncHdr', '0', 200],
        ['Alert', '2', 200],
        ['Alert', '3', 200],
        ['Replace', '4', 200],
      ],
    );
    assert.equal(r.opens, true);
    assert.equal(r.clientFinal, true);
    assert.deepEqual(r.devInfo, {
      LoginStatus: 'user',
      DevId: DEVICE,
      Man: 'windc tests',
      Mod: 'Emulated',
      DmV: '1.3',
      Lang: 'en-US',
    });
  });

  it('reports DevInfo only when it changed', () => {
    const first = received(package1({ deviceId: DEVICE }));
    const again = receive({
      parse: parseSyncMLTolerant(package1({ deviceId: DEVICE })),
      state: {},
      header: { code: 200 },
      devInfo: first.devInfo!,
      maxObjSize: 1000,
    });
    assert.equal(again.devInfo, undefined);
    assert.equal(factKey('./Vendor/MSFT/DMClient/HWDevID'), 'Vendor/MSFT/DMClient/HWDevID');
  });

  it('classifies the alerts Windows sends', () => {
    const table: [string, Partial<Received>][] = [
      [message({ deviceId: DEVICE }, [alert('2', AlertCode.SESSION_ABORT)]), { abort: true }],
      [message({ deviceId: DEVICE }, [alert('2', AlertCode.NEXT_MESSAGE)]), { nextRequested: true }],
      [
        message({ deviceId: DEVICE }, [typedAlert('2', AlertCode.CLIENT_EVENT, AlertType.REQUEST_PENDING, '')]),
        { keepAlive: true },
      ],
      [
        message({ deviceId: DEVICE }, [
          typedAlert('2', AlertCode.GENERIC_ALERT, AlertType.UNENROLLMENT_USER_REQUEST, '1', { format: 'int' }),
        ]),
        { unenroll: AlertType.UNENROLLMENT_USER_REQUEST },
      ],
    ];
    for (const [xml, want] of table) {
      const r = received(xml);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(r[k as keyof Received], v, k);
      assert.equal(r.statuses[1]?.code, 200);
    }
    const odd = received(message({ deviceId: DEVICE }, [alert('2', 1101)]));
    assert.equal(odd.statuses[1]?.code, 406);
  });

  it('refuses commands a client may not send, and answers an undecodable one with its status', () => {
    const xml = message({ deviceId: DEVICE }, [
      { kind: 'Get', cmdId: '2', items: [{ target: { locUri: './x' } }] },
      alert('3', AlertCode.CLIENT_INITIATED_MGMT),
    ]).replace('<Alert><CmdID>3</CmdID>', '<Alert><CmdID>3</CmdID><Junk/>');
    assert.deepEqual(
      received(xml).statuses.map((s) => [s.cmd, s.code]),
      [
        ['SyncHdr', 200],
        ['Get', 405],
        ['Alert', 400],
      ],
    );
  });

  it('turns Status and Results for queued commands into replies, one per TargetRef, and ignores its own', () => {
    const xml = reply({ deviceId: DEVICE, msgId: 3, msgRef: 2 }, [
      { ...status(2, ID, 'Get', 200, './a'), targetRefs: ['./a', './b'] },
      status(2, '4', 'Alert', 200),
      results(2, ID, [{ source: { locUri: './DevDetail/SwV' }, meta: { format: 'chr' }, data: '10' }]),
    ]);
    const r = received(xml);
    assert.deepEqual(r.replies, [
      { kind: 'status', msgRef: 2, cmdRef: ID, code: 200, targetRef: './a', sourceRef: undefined },
      { kind: 'status', msgRef: 2, cmdRef: ID, code: 200, targetRef: './b', sourceRef: undefined },
      { kind: 'results', msgRef: 2, cmdRef: ID, items: [{ source: './DevDetail/SwV', format: 'chr', data: '10' }] },
    ]);
    assert.deepEqual(r.statuses.length, 1, 'Status and Results get no Status');
    assert.equal(r.devInfo?.['DevDetail/SwV'], '10');
  });

  it('learns the device’s MaxMsgSize and MaxObjSize for the session', () => {
    const r = received(message({ deviceId: DEVICE, meta: { maxMsgSize: 5000, maxObjSize: 90000 } }, []));
    assert.deepEqual(r.state, { deviceMaxMsgSize: 5000, deviceMaxObjSize: 90000 });
  });
});

describe('decide: may windc send commands now?', () => {
  const base = (over: Partial<Received> = {}): Received => ({
    ...received(package1({ deviceId: DEVICE })),
    ...over,
  });
  const kindOf = (p: Plan) => (p.kind === 'statuses' ? `statuses final=${p.final} 1222=${p.nextMessage}` : p.kind);
  it('follows OMA DM 1.2 §2.1-2.3', () => {
    const sending = { queueId: 1, commandUuid: ID, offset: 10 };
    const table: [string, Received, number, string][] = [
      ['a complete package, nothing owed', base(), 0, 'deliver'],
      ['Statuses still owed', base(), 1, 'statuses final=true 1222=false'],
      ['the package continues', base({ clientFinal: false }), 0, 'statuses final=false 1222=true'],
      ['abort', base({ abort: true }), 0, 'statuses final=true 1222=false'],
      ['unenrollment', base({ unenroll: 'x' }), 0, 'statuses final=true 1222=false'],
      ['keep-alive', base({ keepAlive: true }), 0, 'statuses final=true 1222=false'],
      ['receiving a large object', base({ receivingObject: true }), 0, 'statuses final=false 1222=true'],
      ['chunk accepted', base({ chunk: 'accepted', state: { sending } }), 0, 'continue'],
      ['chunk not yet answered', base({ clientFinal: false, state: { sending } }), 0, 'statuses final=false 1222=true'],
    ];
    for (const [label, r, outstanding, want] of table) assert.equal(kindOf(decide(r, { outstanding })), want, label);
  });
});

describe('compose: the reply', () => {
  const request = parseSyncML(package1({ deviceId: DEVICE }));
  it('numbers Statuses from 1, addresses the device, keeps its MsgID, closes with Final', () => {
    const r = received(package1({ deviceId: DEVICE }));
    const out = compose({ request, received: r, plan: decide(r, { outstanding: 0 }), commands: [], limit: 1 << 20 });
    assert.deepEqual(
      out.message.commands.map((c) => c.kind === 'Status' && c.cmdId),
      ['1', '2', '3', '4'],
    );
    assert.equal(out.message.header.target.locUri, DEVICE);
    assert.equal(out.message.header.msgId, '1');
    assert.equal(out.message.final, true);
    assert.equal(out.ends, true);
  });

  it('adds 1222 without Final for a Next Message answer', () => {
    const r = received(package1({ deviceId: DEVICE }).replace('<Final/>', ''));
    const out = compose({ request, received: r, plan: decide(r, { outstanding: 0 }), commands: [], limit: 1 << 20 });
    assert.deepEqual(out.message.commands.at(-1), alert('5', AlertCode.NEXT_MESSAGE));
    assert.equal(out.message.final, false);
  });
});

describe('fitting commands into messages', () => {
  const payload = (data: string) =>
    commandPayload({ kind: 'Replace', items: [{ target: { locUri: './Vendor/MSFT/X' }, data }] });
  const candidate = (id: number, p: unknown) => ({
    id,
    commandUuid: ID.replace('a', String(id)),
    payload: p,
    locUri: null,
    attempts: 0,
  });

  it('takes what fits, stops at the first that does not, chunks a lone giant, skips the unsendable', () => {
    const s = new Selector(2000, () => 500, undefined);
    assert.equal(s.select(candidate(1, payload('x'.repeat(300)))), 'take');
    assert.equal(s.select(candidate(2, payload('not a payload'))), 'take', 'a string payload is still a payload');
    assert.equal(s.select(candidate(3, { v: 9 })), 'skip');
    assert.equal(s.select(candidate(4, payload('y'.repeat(5000)))), 'stop');
    assert.deepEqual(
      s.undeliverable.map((u) => u.candidate.id),
      [3],
    );
    const lone = new Selector(2000, () => 500, undefined);
    assert.equal(lone.select(candidate(5, payload('z'.repeat(5000)))), 'take');
    assert.equal(lone.chosen.get(5)?.chunked, true);
    assert.equal(lone.select(candidate(6, payload('z'))), 'stop', 'nothing rides with a large object');
    const tooBig = new Selector(2000, () => 500, 1000);
    assert.equal(tooBig.select(candidate(7, payload('z'.repeat(5000)))), 'skip', "beyond the device's MaxObjSize");
  });

  it('cuts chunks on character boundaries within the room, Size first, MoreData but on the last', () => {
    const data = `ab<&>é${'𝄞'.repeat(40)}end`;
    const cmd = withCmdIds(ID, { kind: 'Replace', items: [{ target: { locUri: './X' }, data }] }) as ReplaceCommand;
    const parts: string[] = [];
    let offset: number | undefined = 0;
    let first = true;
    while (offset !== undefined) {
      const chunk = chunkAt(cmd, offset, 300);
      assert.ok(Buffer.byteLength(buildCommand(chunk.command)) <= 300);
      const item = chunk.command.items[0]!;
      assert.equal(item.meta?.size !== undefined, first);
      assert.equal(item.moreData === true, chunk.next !== undefined);
      parts.push(item.data!);
      offset = chunk.next;
      first = false;
    }
    assert.equal(parts.join(''), data);
    assert.ok(parts.length > 1);
    assert.ok(
      parts.every((p) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(p)),
      'no surrogate pair split',
    );
  });

  it('reassembles the device’s chunks and checks their Size', () => {
    const state = {};
    const part = (data: string, more: boolean, size?: number) =>
      results(1, ID, [
        { source: { locUri: './Big' }, ...(size ? { meta: { size } } : {}), data, ...(more ? { moreData: true } : {}) },
      ]);
    assert.deepEqual(assembleResults(part('ab', true, 4), state, 100), { items: [], code: 213 });
    assert.deepEqual(assembleResults(part('cd', false), state, 100).items, [
      { source: { locUri: './Big' }, data: 'abcd' },
    ]);
    assembleResults(part('ab', true, 5), state, 100);
    assert.equal(assembleResults(part('cd', false), state, 100).code, 424);
    assembleResults(part('ab', true, 4), state, 100);
    const other = assembleResults(results(1, 'x', [{ source: { locUri: './Other' }, data: '1' }]), state, 100);
    assert.equal(other.interrupted?.code, AlertCode.NO_END_OF_DATA);
    assert.equal(assembleResults(part('x'.repeat(200), true, 10), {}, 100).code, 213);
    assert.equal(assembleResults(part('x', true, 1000), {}, 100).code, 413);
  });
});

describe('queued command payloads', () => {
  it('render with the row’s id on top and id.n inside, depth first', () => {
    const c = renderQueued(
      ID,
      commandPayload({
        kind: 'Atomic',
        commands: [
          { kind: 'Delete', items: [{ target: { locUri: './a' } }] },
          { kind: 'Sequence', commands: [{ kind: 'Get', items: [{ target: { locUri: './b' } }] }] },
        ],
      }),
    );
    const ids: string[] = [];
    const walk = (x: ContainedCommand) => {
      ids.push(x.cmdId);
      if (x.kind === 'Atomic' || x.kind === 'Sequence') x.commands.forEach(walk);
    };
    walk(c);
    assert.deepEqual(ids, [ID, `${ID}.1`, `${ID}.2`, `${ID}.3`]);
  });

  it('refuse what would not encode, and what is not a payload', () => {
    assert.throws(() => commandPayload({ kind: 'Replace', items: [] }), /at least one Item/);
    assert.throws(() => renderQueued(ID, { v: 1, command: { kind: 'Alert', items: [] } }), PayloadError);
    assert.throws(() => renderQueued(ID, null), PayloadError);
  });
});

describe('session data', () => {
  it('reads back what it wrote and drops what it does not recognise', () => {
    const data = {
      state: { delivered: true, sending: { queueId: 1, commandUuid: ID, offset: 5 } },
      last: { msgId: 2, before: {} },
    };
    assert.deepEqual(readSessionData(JSON.parse(JSON.stringify(data))), data);
    assert.deepEqual(readSessionData({ state: { sending: { queueId: 'x' }, junk: 1 }, last: 'no' }), { state: {} });
    assert.deepEqual(readSessionData(null), { state: {} });
  });
});

describe('digest verification', () => {
  const creds = { deviceName: 'user', deviceSecretDigest: md5UserHash('user', 'secret') };
  it('accepts the digest over any allowed nonce and refuses the rest with a reason', () => {
    const nonce = Buffer.from('nonce-1').toString('base64');
    const cred = md5Cred('user', 'secret', nonce);
    assert.deepEqual(checkDigest(cred, 'user', creds, ['other', nonce]), { kind: 'ok', nonce });
    assert.equal(checkDigest(undefined, 'user', creds, [nonce]).kind, 'missing');
    assert.equal(checkDigest(cred, 'someone', creds, [nonce]).kind, 'bad');
    assert.equal(checkDigest(md5Cred('user', 'wrong', nonce), 'user', creds, [nonce]).kind, 'bad');
    const basic = {
      meta: { type: 'syncml:auth-basic', format: 'b64' },
      data: Buffer.from('user:secret').toString('base64'),
    };
    assert.match((checkDigest(basic, 'user', creds, [nonce]) as { reason: string }).reason, /auth-md5/);
  });
});

describe('overload and the debug ring', () => {
  it('caps requests in flight and new sessions, never a session already open', async () => {
    let now = 0;
    const o = new Overload(
      { maxInFlight: 2, maxSessions: 1, retryAfterSeconds: 10 },
      () => now,
      () => 0.5,
    );
    assert.equal(o.enter() && o.enter(), true);
    assert.equal(o.enter(), false);
    o.leave();
    assert.equal(o.enter(), true);
    assert.equal(await o.admitSession(1, true), true);
    assert.equal(await o.admitSession(2, true), false);
    assert.equal(await o.admitSession(1, false), true);
    now += 6 * 60_000;
    assert.equal(await o.admitSession(2, true), true, 'an idle session stops counting');
    assert.equal(o.retryAfter(), 15);
  });

  it('keeps the last N exchanges, oldest first', () => {
    const ring = new DebugRing(2);
    for (const msgId of ['1', '2', '3']) {
      ring.add({
        at: 0,
        enrollmentId: 1,
        deviceId: 'D',
        sessionId: '1',
        msgId,
        httpStatus: 200,
        request: '',
        response: '',
      });
    }
    assert.deepEqual(
      ring.list().map((e) => e.msgId),
      ['2', '3'],
    );
    assert.deepEqual(ring.list({ deviceId: 'other' }), []);
  });
});

describe('the messages the tests send are themselves valid SyncML', () => {
  it('round-trips', () => {
    const xml = package1({ deviceId: DEVICE }, { docs: [{ id: ID, state: 60 }] });
    assert.equal(buildSyncML(parseSyncML(xml)), xml);
  });
});
