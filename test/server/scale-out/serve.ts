/** Real `windc serve` child processes, as an operator runs them: the CLI, its flags, its "ready" banner. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/windc.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  /** Everything it printed so far, for failure messages. */
  output(): string;
  /** Resolves once the process has exited, whoever ended it. */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `windc serve` on 127.0.0.1:`port` and resolves once it has printed its whole banner. */
export function startServe(port: number, args: string[], timeoutMs = 30_000): Promise<ServeProcess> {
  // Only PATH: an admin token or database URL in the developer's environment must not leak into the server.
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${port}`, ...args], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (out += String(c)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: ServeProcess = {
    child,
    port,
    output: () => out,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`windc serve on ${port} was not ready in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      if (/MDM discovery .*\n/.test(out)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(proc);
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`windc serve on ${port} exited before it was ready:\n${out}`));
    });
  });
}
