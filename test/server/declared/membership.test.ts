// Two server processes on one database, each with its own memo: a rule one of them adds must not be undone by the
// other at a device's next session (scale-out.test.ts found it; this pins it without processes or PostgreSQL).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { DeclaredDeps } from '../../../src/server/declared/context.ts';
import { reevaluateAll, syncRuleMembership } from '../../../src/server/declared/membership.ts';
import type { Enrollment, Store } from '../../../src/store/index.ts';
import { tempStore, testDeps } from './sim.ts';

const everyDevice = { match: 'all', conditions: [] };

let store: Store;
let cleanup: () => Promise<void>;
let a: DeclaredDeps;
let b: DeclaredDeps;
let device: Enrollment;

before(async () => {
  ({ store, cleanup } = await tempStore());
  a = { ...testDeps(store), memo: {} };
  b = { ...testDeps(store), memo: {} };
  device = await store.devices.enroll({ deviceId: 'DEVICE-1', kind: 'linked' });
  await store.assignments.putGroup('first');
  await store.declared.groups.putRules('first', everyDevice);
});
after(() => cleanup());

/** A session's first message on process `deps`, which reads the generation before anything else. */
async function session(deps: DeclaredDeps): Promise<string[]> {
  await syncRuleMembership(deps, device, await store.declared.quiet.generation());
  return (await store.declared.groups.ruleGroupsOf(device.devicePk)).sort();
}

it('a rule added on one process holds at the next session on a process that read the rules before', async () => {
  assert.deepEqual(await session(b), ['first'], 'process b has read (and keeps) the rules');
  await store.assignments.putGroup('second');
  await store.declared.groups.putRules('second', everyDevice);
  await reevaluateAll(a);
  assert.deepEqual(await session(b), ['first', 'second']);
});

it('a rule removed on one process stays removed at the next session on the other', async () => {
  assert.deepEqual(await session(b), ['first', 'second']);
  await store.declared.groups.putRules('second', null);
  await reevaluateAll(a);
  assert.deepEqual(await session(b), ['first']);
});

it('a process keeps its rules while nothing changed them', async () => {
  await session(b);
  const kept = b.memo?.rules?.rules;
  await session(b);
  assert.ok(kept !== undefined && b.memo?.rules?.rules === kept, 'not read again');
});
