// The per-process session cap with several processes on one database and no sticky balancing: a session that
// opened on one process and ended on another must stop counting on the first (scale-out.test.ts found it leaking
// for five minutes, refusing devices while no session was open anywhere).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Overload } from '../../../src/server/management/overload.ts';
import type { Store } from '../../../src/store/index.ts';
import { tempStore } from '../declared/sim.ts';

let store: Store;
let cleanup: () => Promise<void>;
before(async () => ({ store, cleanup } = await tempStore()));
after(() => cleanup());

/** A process with room for one session at a time, reading positions from the shared database. */
const process1 = () =>
  new Overload({ maxInFlight: 0, maxSessions: 1, retryAfterSeconds: 1 }, Date.now, Math.random, (ids) =>
    store.sessions.positions(ids),
  );

/** One message of a session answered on `o`, as the management route does it. */
async function message(o: Overload, enrollmentId: number, msgId: number, ends = false): Promise<boolean> {
  if (!(await o.admitSession(enrollmentId, msgId === 1))) return false;
  const { session } = await store.sessions.arrive({ enrollmentId, sessionId: 'S1', msgId });
  o.served(enrollmentId, { seq: session.seq, lastMsgId: msgId }, ends);
  return true;
}

it('a session that ended on another process frees its slot on the one it opened on', async () => {
  const [a, b] = [process1(), process1()];
  const first = (await store.devices.enroll({ deviceId: 'D1', kind: 'linked' })).id;
  const second = (await store.devices.enroll({ deviceId: 'D2', kind: 'linked' })).id;
  assert.equal(await message(a, first, 1), true);
  assert.equal(await message(b, first, 2, true), true, 'a message continuing a session is never refused');
  assert.equal(await message(a, second, 1), true, 'no session is open anywhere');
  assert.equal(a.sessions, 1);
});

it('a session still open on this process keeps its slot', async () => {
  const a = process1();
  const first = (await store.devices.enroll({ deviceId: 'D3', kind: 'linked' })).id;
  const second = (await store.devices.enroll({ deviceId: 'D4', kind: 'linked' })).id;
  assert.equal(await message(a, first, 1), true);
  assert.equal(await message(a, second, 1), false);
  assert.equal(await message(a, first, 2, true), true);
  assert.equal(await message(a, second, 1), true);
});

it('a session that moved on to another process counts there, not twice', async () => {
  const [a, b] = [process1(), process1()];
  const first = (await store.devices.enroll({ deviceId: 'D5', kind: 'linked' })).id;
  const second = (await store.devices.enroll({ deviceId: 'D6', kind: 'linked' })).id;
  assert.equal(await message(a, first, 1), true);
  assert.equal(await message(b, first, 2), true);
  assert.equal(await message(a, second, 1), true, 'the session is b’s to count now');
  assert.equal(b.sessions, 1);
  assert.equal(await message(b, second, 2), true);
  assert.equal(await message(b, (await store.devices.enroll({ deviceId: 'D7', kind: 'linked' })).id, 1), false);
});
