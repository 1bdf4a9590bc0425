import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContainedCommand } from '../../src/protocol/syncml/index.ts';
import { cmd, codes, type Harness, harness, send } from './support.ts';

const P = './Device/Vendor/MSFT/DMClient/Provider/MS%20DM%20SERVER';
const VPN = './Device/Vendor/MSFT/VPNv2/AtomicVPN';

describe('SyncML command handling', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.cleanup());

  it('one Get with several Items: a Status per Item with TargetRef, then one Results without the 404 item (26200 devdetail capture)', () => {
    const get = cmd.get('./DevDetail/SwV', './DevDetail/LrgObj', `${P}/Push/ChannelURI`, './DevInfo/Lang');
    const r = send(h.primaryEp, get);
    assert.deepEqual(
      r.replies.map((x) => x.kind),
      ['Status', 'Status', 'Status', 'Status', 'Results'],
    );
    assert.deepEqual(
      r.statuses.map((s) => [s.cmdRef, s.cmd, s.targetRefs, s.code]),
      [
        [get.cmdId, 'Get', ['./DevDetail/SwV'], 200],
        [get.cmdId, 'Get', ['./DevDetail/LrgObj'], 200],
        [get.cmdId, 'Get', [`${P}/Push/ChannelURI`], 404],
        [get.cmdId, 'Get', ['./DevInfo/Lang'], 200],
      ],
    );
    const results = r.results[0];
    assert.equal(results?.cmdRef, get.cmdId);
    assert.equal(results?.cmd, undefined);
    assert.equal(results?.targetRef, undefined);
    assert.deepEqual(
      results?.items.map((i) => i.source?.locUri),
      ['./DevDetail/SwV', './DevDetail/LrgObj', './DevInfo/Lang'],
    );
  });

  it('separate Gets: each Status without TargetRef, each Results right after its Status (26200 probes capture)', () => {
    const a = cmd.get('./DevDetail/SwV');
    const b = cmd.get('./DevInfo/Man');
    const r = send(h.ep, a, b);
    assert.deepEqual(
      r.replies.map((x) => `${x.kind}:${x.cmdRef}`),
      [`Status:${a.cmdId}`, `Results:${a.cmdId}`, `Status:${b.cmdId}`, `Results:${b.cmdId}`],
    );
    assert.deepEqual(r.statuses[0]?.targetRefs, []);
    assert.deepEqual(
      r.replies.map((x) => x.cmdId),
      ['1', '2', '3', '4'],
    );
    assert.ok(r.replies.every((x) => x.msgRef === '1'));
  });

  it('Alert gets 200, Copy 406, NoResp no Status; Status and Results from the server are not answered', () => {
    const noResp: ContainedCommand = { ...cmd.replace(`${VPN}/DnsSuffix`, 'x'), noResp: true };
    const r = send(
      h.primaryEp,
      { kind: 'Alert', cmdId: '7', code: 1201, items: [] },
      { kind: 'Copy', cmdId: '8', items: [{ target: { locUri: `${VPN}/X` } }] },
      noResp,
      {
        kind: 'Status',
        cmdId: '9',
        msgRef: '1',
        cmdRef: '2',
        cmd: 'Alert',
        targetRefs: [],
        sourceRefs: [],
        code: 200,
        items: [],
      },
    );
    assert.deepEqual(
      r.statuses.map((s) => [s.cmd, s.code]),
      [
        ['Alert', 200],
        ['Copy', 406],
      ],
    );
    send(h.primaryEp, cmd.delete(VPN));
  });

  it('Atomic: all succeed, one commit', () => {
    const r = send(
      h.primaryEp,
      cmd.atomic(cmd.add(`${VPN}/DnsSuffix`, 'a.test'), cmd.add(`${VPN}/AlwaysOn`, 'true', 'bool')),
    );
    assert.deepEqual(codes(r), [200, 200, 200]);
    assert.equal(send(h.primaryEp, cmd.get(`${VPN}/DnsSuffix`)).results[0]?.items[0]?.data, 'a.test');
    send(h.primaryEp, cmd.delete(VPN));
  });

  it('Atomic: a failure rolls everything back, 507 on the Atomic, 216 for what ran, 215 for what did not', () => {
    const r = send(
      h.primaryEp,
      cmd.atomic(
        cmd.add(`${VPN}/DnsSuffix`, 'a.test'),
        cmd.replace(`${P}/AADDeviceID`, 'x'),
        cmd.add(`${VPN}/AlwaysOn`, 'true', 'bool'),
      ),
    );
    assert.deepEqual(codes(r), [507, 216, 405, 215]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.get(VPN))), [404]);
  });

  it('Atomic: a nested Atomic gets 500 and fails its parent with 507 (Learn, OMA DM protocol support)', () => {
    const r = send(h.primaryEp, cmd.atomic(cmd.add(`${VPN}/DnsSuffix`, 'a'), cmd.atomic(cmd.add(`${VPN}/X`, 'b'))));
    assert.deepEqual(codes(r), [507, 216, 500, 215]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.get(VPN))), [404]);
  });

  it('Atomic: Get inside is not supported, nor Add then Replace of one node', () => {
    assert.deepEqual(codes(send(h.primaryEp, cmd.atomic(cmd.get('./DevInfo/Man')))), [507, 500]);
    const r = send(h.primaryEp, cmd.atomic(cmd.add(`${VPN}/DnsSuffix`, 'a'), cmd.replace(`${VPN}/DnsSuffix`, 'b')));
    assert.deepEqual(codes(r), [507, 216, 500]);
    assert.equal(
      r.replies.some((x) => x.kind === 'Results'),
      false,
    );
  });

  it('Sequence: in order, and a failure does not stop the rest', () => {
    const r = send(
      h.primaryEp,
      cmd.sequence(
        cmd.add(`${VPN}/DnsSuffix`, 'a'),
        cmd.add(`${VPN}/DnsSuffix`, 'b'),
        cmd.replace(`${VPN}/DnsSuffix`, 'c'),
        cmd.get(`${VPN}/DnsSuffix`),
      ),
    );
    assert.deepEqual(codes(r), [200, 200, 418, 200, 200]);
    assert.equal(r.results[0]?.items[0]?.data, 'c');
    send(h.primaryEp, cmd.delete(VPN));
  });

  it('msft:originalerror on failures once SyncApplicationVersion is 3.0 ([MS-MDM] §2.2.5.1)', () => {
    const missing = cmd.get(`${P}/Push/ChannelURI`);
    assert.equal(send(h.primaryEp, missing).statuses[0]?.msft, undefined);
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(`${P}/SyncApplicationVersion`, '3.0'))), [200]);
    assert.deepEqual(send(h.primaryEp, cmd.get(`${P}/Push/ChannelURI`)).statuses[0]?.msft, {
      originalerror: '0x86000002',
    });
    send(h.primaryEp, cmd.delete(`${P}/SyncApplicationVersion`));
  });

  it('an Item without Target is a bad request', () => {
    const r = send(h.primaryEp, { kind: 'Replace', cmdId: '50', items: [{ data: 'x' }] });
    assert.deepEqual(codes(r), [400]);
  });
});
