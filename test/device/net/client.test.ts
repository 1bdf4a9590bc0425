import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { DeviceClient } from '../../../src/device/client.ts';
import { ManualClock } from '../../../src/device/index.ts';
import { parseSummary } from '../../../src/protocol/declared/index.ts';
import { type AlertCommand, AlertType, type SyncMLCommand, targetItem } from '../../../src/protocol/syncml/index.ts';
import { fileDoc } from '../support.ts';
import { enrolledClient } from './client-support.ts';
import { type Peer, reply, startPeer } from './peer.ts';

const MINUTE = 60_000;
const DOC_ID = '7B0D7C52-3B89-4B0E-9F55-6A1E2C3D4E5F';
const DOC_URI = `./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${DOC_ID}/Document`;
const ON_FAILURE =
  './Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/StartSyncSessionOnFailure';

const replace = (cmdId: string, locUri: string, data: string, format?: string): SyncMLCommand => ({
  kind: 'Replace',
  cmdId,
  items: [targetItem(locUri, data, format ? { format } : undefined)],
});

/** The WinDC summary a client message carries, parsed; undefined when it has none. */
function summaryOf(commands: SyncMLCommand[]) {
  const a = commands.find(
    (c): c is AlertCommand =>
      c.kind === 'Alert' && c.items[0]?.meta?.type === AlertType.DECLARED_CONFIGURATION_DOCUMENTS,
  );
  return a ? parseSummary(a.items[0]?.data ?? '') : undefined;
}

describe('DeviceClient: what the device does on its own', () => {
  let peer: Peer | undefined;
  let client: DeviceClient | undefined;
  afterEach(async () => {
    await client?.close();
    await peer?.close();
    if (client) await rm(client.device.dir, { recursive: true, force: true });
    client = undefined;
    peer = undefined;
  });

  it('polls on the DMClient schedule: the defaults first, then the server’s Poll values', async () => {
    const clock = new ManualClock();
    peer = await startPeer((x) => reply(x, []));
    const c = await enrolledClient(peer, { device: { clock } });
    client = c.client;
    client.startPolling();
    assert.equal(client.nextPoll(c.account.id), clock.now() + 15 * MINUTE);
    await clock.advance(14 * MINUTE);
    await client.idle();
    assert.equal(peer.seen.length, 0);
    await clock.advance(MINUTE);
    await client.idle();
    assert.equal(peer.seen.length, 1, 'the first poll after 15 minutes');
    const base = `./Device/Vendor/MSFT/DMClient/Provider/${c.account.providerId}/Poll`;
    client.device.setNode(`${base}/IntervalForFirstSetOfRetries`, '1', 'int');
    client.device.setNode(`${base}/NumberOfFirstRetries`, '0', 'int');
    await clock.advance(15 * MINUTE);
    await client.idle();
    const after = peer.seen.length;
    for (let m = 0; m < 3; m++) {
      await clock.advance(MINUTE);
      await client.idle();
    }
    assert.equal(peer.seen.length, after + 3, 'an endless one-minute schedule polls every minute');
  });

  it('a refresh that cannot repair a document asks for a session, and the client runs it', async () => {
    const clock = new ManualClock();
    peer = await startPeer(async (x, i) => {
      if (i > 0) return reply(x, []);
      return reply(x, [
        replace('2', ON_FAILURE, 'true', 'bool'),
        replace('3', DOC_URI, fileDoc(DOC_ID, { DestinationPath: 'C:\\Temp\\windc\\x.txt', Contents: 'hello' })),
      ]);
    });
    const c = await enrolledClient(peer, { device: { clock }, autoSync: true });
    client = c.client;
    assert.equal((await client.sync()).end, 'completed');
    await clock.advance(1000);
    await client.idle();
    const file = join(client.device.paths.sandbox, 'C', 'Temp', 'windc', 'x.txt');
    assert.ok(existsSync(file));
    await rm(file);
    await mkdir(file);
    await client.device.refreshNow();
    await client.idle();
    const second = peer.seen.at(-1);
    assert.equal(second?.message.header.sessionId, '2', 'a second session, started by the device');
    assert.equal(summaryOf(second?.message.commands ?? [])?.documents[0]?.state, 61);
  });

  it('a server’s Exec of DMClient Provider Unenroll removes the account once the session is over', async () => {
    peer = await startPeer((x, i) =>
      i === 0
        ? reply(x, [
            {
              kind: 'Exec',
              cmdId: '2',
              items: [targetItem(`./Device/Vendor/MSFT/DMClient/Provider/windc-declared/Unenroll`)],
            },
          ])
        : reply(x, []),
    );
    const c = await enrolledClient(peer);
    client = c.client;
    const r = await client.sync();
    assert.equal(r.end, 'completed');
    assert.equal(client.device.account(c.account.id), undefined);
    assert.equal(client.store.get(c.account.id), undefined);
    assert.ok(!existsSync(join(c.dir, 'accounts', c.account.id)), 'its TLS files are gone');
  });

  it('user unenrollment: a session carrying Alert 1226, then the account is removed', async () => {
    peer = await startPeer((x) => reply(x, []));
    const c = await enrolledClient(peer);
    client = c.client;
    const r = await client.unenroll(c.account.id);
    assert.equal(r.ok, true);
    const alerts = peer.seen[0]?.message.commands.filter((x): x is AlertCommand => x.kind === 'Alert');
    assert.deepEqual(
      alerts?.map((a) => a.code),
      [1201, 1224, 1226],
    );
    assert.equal(client.device.accountList().length, 0);
  });

  it('sync requests during a session fold into one more session', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    peer = await startPeer(async (x, i) => {
      if (i === 0) await gate;
      return reply(x, []);
    });
    const c = await enrolledClient(peer);
    client = c.client;
    const first = client.sync();
    const joined = [client.sync(), client.sync(), client.sync()];
    release();
    const results = await Promise.all([first, ...joined]);
    assert.ok(
      results.every((r) => r === results[0]),
      'callers during the session share its result',
    );
    await client.idle();
    assert.deepEqual(
      peer.seen.map((x) => x.message.header.sessionId),
      ['1', '2'],
    );
  });
});
