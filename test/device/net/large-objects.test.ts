import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AlertCode,
  type AlertCommand,
  type Item,
  type ReplaceCommand,
  type ResultsCommand,
  type StatusCommand,
  type SyncMLCommand,
  targetItem,
} from '../../../src/protocol/syncml/index.ts';
import type { Harness } from '../support.ts';
import { type Exchange, reply } from './peer.ts';
import { peerHarness, rig } from './session-support.ts';
import { ownShape, shape } from './shape.ts';

const CSP_VERSIONS = './Device/Vendor/MSFT/DeviceManageability/Capabilities/CSPVersions';
const HELP = (h: Harness) => `./Device/Vendor/MSFT/DMClient/Provider/${h.windc.providerId}/HelpWebsite`;

const statuses = (x: Exchange | undefined) =>
  (x?.message.commands ?? []).filter((c): c is StatusCommand => c.kind === 'Status' && c.cmd !== 'SyncHdr');
const alerts = (x: Exchange | undefined) =>
  (x?.message.commands ?? []).filter((c): c is AlertCommand => c.kind === 'Alert').map((a) => a.code);

function chunk(cmdId: string, locUri: string, data: string, more: boolean, size?: number): ReplaceCommand {
  const item: Item = targetItem(locUri, data, size === undefined ? undefined : { size });
  if (more) item.moreData = true;
  return { kind: 'Replace', cmdId, items: [item] };
}

describe('OMA-DM session: MaxMsgSize and large objects', () => {
  const net = peerHarness();

  it('Results larger than MaxMsgSize: the Get’s Status goes first, then the 1223 abort of the 2048-byte capture', async () => {
    const peer = await net.start((x, i) =>
      i === 0
        ? reply(x, [{ kind: 'Get', cmdId: '5', items: [targetItem(CSP_VERSIONS)] }], { maxMsgSize: 2048 })
        : reply(x, []),
    );
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'client-abort');
    // As observed natively: "the Get status was 200 but no large Results came back", then MsgID n+1 aborts.
    assert.equal(peer.seen.length, 3);
    const status = peer.seen[1]?.message;
    assert.deepEqual(
      status?.commands.map((c) => (c.kind === 'Status' ? `${c.cmd} ${c.code}` : c.kind)),
      ['SyncHdr 200', 'Get 200'],
    );
    assert.equal(status?.final, false);
    assert.equal(shape(peer.seen[2]?.xml ?? ''), ownShape('large-result-abort-2048'));
  });

  it('replies that fit one by one but not together go out over several messages, each asked for with 1222', async () => {
    const gets: SyncMLCommand[] = Array.from({ length: 12 }, (_, i) => ({
      kind: 'Get',
      cmdId: String(i + 2),
      items: [targetItem('./DevDetail/Ext/Microsoft/OSPlatform')],
    }));
    const peer = await net.start((x, i) => {
      if (i === 0) return reply(x, gets, { maxMsgSize: 1600 });
      if (!x.message.final) {
        return reply(x, [{ kind: 'Alert', cmdId: '2', code: AlertCode.NEXT_MESSAGE, items: [] }], { final: false });
      }
      return reply(x, []);
    });
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'completed', result.error?.message);
    const answers = peer.seen.slice(1);
    assert.ok(answers.length >= 3, `expected several messages, got ${answers.length}`);
    for (const x of answers) assert.ok(Buffer.byteLength(x.xml) <= 1600, `${Buffer.byteLength(x.xml)} bytes`);
    assert.deepEqual(
      answers.map((x) => x.message.final),
      [...answers.slice(1).map(() => false), true],
    );
    const results = answers.flatMap((x) => x.message.commands.filter((c) => c.kind === 'Results'));
    assert.equal(results.length, 12);
    for (const x of answers) {
      const ids = x.message.commands.map((c) => Number(c.cmdId));
      assert.deepEqual(
        ids,
        ids.map((_, k) => k + 1),
        'CmdIDs restart at 1 in every message',
      );
    }
  });

  it('with large objects on, an oversized Result goes up in MoreData chunks with Size on the first', async () => {
    const peer = await net.start((x, i) => {
      if (i === 0)
        return reply(x, [{ kind: 'Get', cmdId: '5', items: [targetItem(CSP_VERSIONS)] }], { maxMsgSize: 1024 });
      const results = x.message.commands.find((c): c is ResultsCommand => c.kind === 'Results');
      if (results?.items[0]?.moreData) {
        return reply(
          x,
          [
            {
              kind: 'Status',
              cmdId: '2',
              msgRef: x.message.header.msgId,
              cmdRef: results.cmdId,
              cmd: 'Results',
              targetRefs: [],
              sourceRefs: [],
              code: 213,
              items: [],
            },
            { kind: 'Alert', cmdId: '3', code: AlertCode.NEXT_MESSAGE, items: [] },
          ],
          { final: false },
        );
      }
      return reply(x, []);
    });
    const r = await rig(net.h, peer);
    const result = await r.run({ largeObjects: 'chunk' });
    r.close();
    assert.equal(result.end, 'completed', result.error?.message);
    const chunks = peer.seen
      .slice(1)
      .flatMap((x) => x.message.commands.filter((c): c is ResultsCommand => c.kind === 'Results'))
      .map((c) => c.items[0] as Item);
    assert.ok(chunks.length >= 4);
    assert.ok(chunks.slice(0, -1).every((c) => c.moreData) && !chunks.at(-1)?.moreData);
    const whole = chunks.map((c) => c.data).join('');
    assert.equal(chunks[0]?.meta?.size, Buffer.byteLength(whole));
    assert.ok(chunks.slice(1).every((c) => c.meta?.size === undefined));
    assert.equal(chunks[0]?.meta?.format, 'xml');
    assert.equal(whole, net.h.device.getNode(CSP_VERSIONS));
    for (const x of peer.seen.slice(1)) assert.ok(Buffer.byteLength(x.xml) <= 1024);
  });

  it('a large object from the server is answered 213 per chunk, reassembled and applied under the last CmdID', async () => {
    const value = `https://help.example.test/${'x'.repeat(300)}&more<>`;
    const parts = [value.slice(0, 100), value.slice(100, 250), value.slice(250)];
    const peer = await net.start((x, i) => {
      if (i < 3) {
        const more = i < 2;
        return reply(
          x,
          [
            chunk(
              String(10 + i),
              HELP(net.h),
              parts[i] as string,
              more,
              i === 0 ? Buffer.byteLength(value) : undefined,
            ),
          ],
          {
            final: !more,
          },
        );
      }
      return reply(x, []);
    });
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'completed', result.error?.message);
    assert.deepEqual(
      statuses(peer.seen[1]).map((s) => [s.cmdRef, s.code]),
      [['10', 213]],
    );
    assert.deepEqual(alerts(peer.seen[1]), [AlertCode.NEXT_MESSAGE]);
    assert.deepEqual(
      statuses(peer.seen[2]).map((s) => [s.cmdRef, s.code]),
      [['11', 213]],
    );
    assert.deepEqual(
      statuses(peer.seen[3]).map((s) => [s.cmdRef, s.code]),
      [['12', 200]],
    );
    assert.equal(net.h.device.getNode(HELP(net.h)), value);
  });

  it('a reassembled object of the wrong size is refused with 424; one cut short by another command gets 1225', async () => {
    const peer = await net.start((x, i) => {
      if (i === 0) return reply(x, [chunk('10', HELP(net.h), 'abc', true, 99)], { final: false });
      if (i === 1) return reply(x, [chunk('11', HELP(net.h), 'def', false)]);
      if (i === 2) return reply(x, [chunk('12', HELP(net.h), 'ghi', true, 6)], { final: false });
      if (i === 3) return reply(x, [{ kind: 'Get', cmdId: '13', items: [targetItem('./DevInfo/Lang')] }]);
      return reply(x, []);
    });
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'completed', result.error?.message);
    assert.deepEqual(
      statuses(peer.seen[2]).map((s) => [s.cmdRef, s.code]),
      [['11', 424]],
    );
    assert.equal(net.h.device.getNode(HELP(net.h)), undefined);
    const cut = peer.seen[4]?.message.commands.map((c) => (c.kind === 'Alert' ? `Alert ${c.code}` : c.kind));
    assert.deepEqual(cut, ['Status', 'Alert 1225', 'Status', 'Results']);
  });
});
