/**
 * A second (or third) windc process for the cross-process tests: opens the store described on the command
 * line, reports "ready", waits for "go" on stdin so that every child starts its work at the same moment,
 * runs one task and prints its result as JSON.
 */
import { once } from 'node:events';
import { type OpenStoreOptions, openStore } from '../../../src/store/index.ts';

export type ChildTask =
  | { kind: 'migrate' }
  | { kind: 'dequeue'; enrollmentId: number; sessionSeq: number; firstMsgId: number; msgStep: number; limit: number };

const { options, task } = JSON.parse(process.argv[2]!) as { options: OpenStoreOptions; task: ChildTask };
const store = await openStore({ ...options, migrate: 'none' });
try {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  if (task.kind === 'migrate') {
    process.stdout.write(`${JSON.stringify(await store.migrate())}\n`);
  } else {
    const delivered: number[] = [];
    for (let msgId = task.firstMsgId; ; msgId += task.msgStep) {
      const r = await store.queue.dequeue({ ...task, msgId });
      if (r.commands.length === 0) break;
      delivered.push(...r.commands.map((c) => c.id));
    }
    process.stdout.write(`${JSON.stringify(delivered)}\n`);
  }
} finally {
  await store.close();
  process.stdin.destroy();
}
