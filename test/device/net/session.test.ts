import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { USER_UNENROLLMENT } from '../../../src/device/omadm/message.ts';
import {
  AlertCode,
  type AlertCommand,
  md5Digest,
  type ResultsCommand,
  type StatusCommand,
  targetItem,
} from '../../../src/protocol/syncml/index.ts';
import { cmd, docUri, fileDoc, send } from '../support.ts';
import { type Answer, type Exchange, reply } from './peer.ts';
import { peerHarness, rig } from './session-support.ts';
import { capture, ownShape, SHARED_MISSING, shape } from './shape.ts';

const CHAL = Buffer.from('server-nonce-001').toString('base64');
const get = (cmdId: string, ...uris: string[]) => ({
  kind: 'Get' as const,
  cmdId,
  items: uris.map((u) => targetItem(u)),
});

/** The usual opening: challenge package 1, accept the retry with `then`. */
function challengeThen(then: (x: Exchange, i: number) => Answer) {
  return (x: Exchange, i: number): Answer => (i === 0 ? reply(x, [], { hdrCode: 407, chalNonce: CHAL }) : then(x, i));
}

describe('OMA-DM session: messages as native Windows writes them', () => {
  const net = peerHarness();

  it('package 1, the challenge retry and a multi-Item Get have the structure of the 26200 captures', async () => {
    const peer = await net.start(
      challengeThen((x, i) =>
        i === 1
          ? reply(x, [
              get(
                '5',
                './DevDetail/SwV',
                './DevDetail/LrgObj',
                './DevDetail/URI/MaxSegLen',
                './Device/Vendor/MSFT/DeviceManageability/Capabilities/CSPVersions',
                `./Device/Vendor/MSFT/DMClient/Provider/${net.h.windc.providerId}/Push/ChannelURI`,
              ),
            ])
          : reply(x, []),
      ),
    );
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'completed', result.error?.message);
    assert.equal(peer.seen.length, 3);
    const [p1, digest, results] = peer.seen.map((x) => shape(x.xml));
    assert.equal(p1, ownShape('package1-user'));
    assert.equal(digest, ownShape('package1-digest'));
    assert.equal(results, ownShape('devdetail-results'));
  });

  it('the Cred is the MD5 digest over the challenge nonce, LocName the APPSRV name, on every later message', async () => {
    const peer = await net.start(
      challengeThen((x, i) => (i === 1 ? reply(x, [get('2', './DevInfo/Man')]) : reply(x, []))),
    );
    const r = await rig(net.h, peer);
    await r.run();
    r.close();
    const [first, second, third] = peer.seen.map((x) => x.message.header);
    assert.equal(first?.cred, undefined);
    for (const hdr of [second, third]) {
      assert.equal(hdr?.source.locName, 'dev-user');
      assert.equal(hdr?.cred?.data, md5Digest('dev-user', 'dev-secret', CHAL));
    }
    assert.equal(r.ctx.record.appsrv?.nonce, CHAL, 'the nonce is kept for the next session');
  });

  it('a second refusal ends the session as an authentication failure', async () => {
    const peer = await net.start((x) => reply(x, [], { hdrCode: 401, chalNonce: CHAL }));
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'failed');
    assert.match(String(result.error), /refused the credentials/);
    assert.equal(peer.seen.length, 3, 'package 1, then two retries with credentials');
  });

  it('sends the captured headers, the query Windows adds, and EntDMID as Client-Request-Id once set', async () => {
    const peer = await net.start((x) => reply(x, []));
    const r = await rig(net.h, peer);
    await r.run();
    net.h.device.setNode(`./Device/Vendor/MSFT/DMClient/Provider/${net.h.windc.providerId}/EntDMID`, 'ent-42');
    await r.run();
    r.close();
    const [a, b] = peer.seen;
    assert.equal(a?.url, '/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA');
    assert.equal(a?.headers['user-agent'], 'MSFT OMA DM Client/1.2.0.1');
    assert.equal(a?.headers['content-type'], 'application/vnd.syncml.dm+xml');
    assert.equal(
      a?.headers.accept,
      'application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream',
    );
    assert.equal(a?.headers['accept-charset'], 'UTF-8');
    assert.equal(a?.headers['client-request-id'], '0');
    assert.equal(a?.headers['ms-cv'], 'a/tCeBgffEqA5408.0.0.0');
    assert.equal(b?.headers['ms-cv'], 'a/tCeBgffEqA5408.0.0.1');
    assert.equal(b?.headers['client-request-id'], 'ent-42');
    assert.equal(a?.clientCn, 'test-0', 'the client certificate was presented');
    assert.deepEqual(
      peer.seen.map((x) => x.message.header.sessionId),
      ['1', '2'],
    );
  });

  it('a server message without Final is answered with Alert 1222 and no Final', async () => {
    const peer = await net.start((x, i) =>
      i === 0 ? reply(x, [get('2', './DevInfo/Lang')], { final: false }) : reply(x, [], { final: true }),
    );
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'completed');
    const answer = peer.seen[1]?.message;
    assert.equal(answer?.final, false);
    const last = answer?.commands.at(-1) as AlertCommand;
    assert.equal(last.kind, 'Alert');
    assert.equal(last.code, AlertCode.NEXT_MESSAGE);
  });

  it('the server’s Alert 1223 ends the session without a reply', async () => {
    const peer = await net.start((x) =>
      reply(x, [{ kind: 'Alert', cmdId: '2', code: AlertCode.SESSION_ABORT, items: [] }]),
    );
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'server-abort');
    assert.equal(peer.seen.length, 1);
  });

  it('an empty 200 body ends the session, as Windows accepted from a PoC server', async () => {
    const peer = await net.start(() => ({ status: 200 }));
    const r = await rig(net.h, peer);
    assert.equal((await r.run()).end, 'completed');
    r.close();
  });

  it('user unenrollment: package 1 with the 1226 alert has the structure of the 26200 capture', async () => {
    const peer = await net.start((x) => reply(x, []));
    const r = await rig(net.h, peer);
    await r.run({ genericAlerts: [USER_UNENROLLMENT] });
    r.close();
    assert.equal(shape(peer.seen[0]?.xml ?? ''), ownShape('unenroll-1226'));
  });

  it('a reused package 1 is the message a fresh encoding writes, and follows what changed in between', async () => {
    const peer = await net.start((x) => reply(x, []));
    const reused = await rig(net.h, peer, { reuse: {} });
    const fresh = await rig(net.h, peer, { record: reused.ctx.record });
    /** One session of each, the fresh one with the SessionID the reusing one had. */
    const pair = async () => {
      await reused.run();
      reused.ctx.record.sessionCount--;
      await fresh.run();
      const [a, b] = peer.seen.slice(-2).map((x) => x.xml);
      assert.equal(a, b);
      return a ?? '';
    };
    await reused.run();
    const first = await pair();
    assert.match(first, /<SessionID>2<\/SessionID>/);
    send(
      net.h.ep,
      cmd.add(
        docUri('Device', 'Complete', '5A0C4D1E-7B2F-4C3A-9E8D-1F2A3B4C5D6E'),
        fileDoc('5A0C4D1E-7B2F-4C3A-9E8D-1F2A3B4C5D6E', { DestinationPath: 'C:\\Temp\\r.txt', Contents: 'x' }),
      ),
    );
    const withDoc = await pair();
    assert.match(withDoc, /5A0C4D1E-7B2F-4C3A-9E8D-1F2A3B4C5D6E/i);
    assert.match(withDoc, /<SessionID>3<\/SessionID>/);
    reused.close();
    fresh.close();
  });

  it('Status and Results of separate Gets alternate, as in the capability probes', async () => {
    const peer = await net.start((x, i) =>
      i === 0
        ? reply(x, [
            get('5', './DevDetail/SwV'),
            get('6', './Device/Vendor/MSFT/DeviceManageability/Capabilities/CSPVersions'),
          ])
        : reply(x, []),
    );
    const r = await rig(net.h, peer);
    await r.run();
    r.close();
    const kinds = peer.seen[1]?.message.commands.map((c) => c.kind);
    assert.deepEqual(kinds, ['Status', 'Status', 'Results', 'Status', 'Results']);
    const commands = peer.seen[1]?.message.commands ?? [];
    assert.equal((commands[4] as ResultsCommand).items[0]?.meta?.format, 'xml');
    assert.equal((commands[3] as StatusCommand).targetRefs.length, 0);
  });
});

describe('OMA-DM session: the shared 26200 captures', () => {
  it('our structural fixtures are the captures’ own structure', { skip: SHARED_MISSING }, () => {
    for (const name of [
      'package1-user',
      'package1-digest',
      'devdetail-results',
      'capability-probes',
      'namespace11-results',
      'large-result-abort-2048',
      'unenroll-1226',
    ]) {
      assert.equal(shape(capture(name)), ownShape(name), name);
    }
  });
});
