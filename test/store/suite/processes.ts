import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { OpenStoreOptions } from '../../../src/store/index.ts';
import type { ChildTask } from './child.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/**
 * Runs each task in its own node process against the same database, released together once all are ready,
 * and returns each one's JSON result. Real processes, because two SQLite connections in one thread cannot
 * wait for each other's locks: the busy handler would block the very event loop that holds the lock.
 */
export async function inChildren<T>(options: OpenStoreOptions, tasks: ChildTask[]): Promise<T[]> {
  const children = tasks.map((task) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ options, task })], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = once(proc, 'exit') as Promise<[number | null]>;
    const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<string> => {
      const r = await lines.next();
      if (r.done) throw new Error(`child exited early with ${(await exited)[0]}`);
      return r.value;
    };
    return { proc, exited, next };
  });
  await Promise.all(children.map((c) => c.next())); // "ready"
  for (const c of children) c.proc.stdin.write('go\n');
  const results = await Promise.all(children.map((c) => c.next()));
  const codes = await Promise.all(children.map((c) => c.exited));
  codes.forEach(([code], i) => {
    if (code !== 0) throw new Error(`child ${i} exited with ${code}`);
  });
  return results.map((line) => JSON.parse(line) as T);
}
