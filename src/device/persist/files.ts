/**
 * The files of a device directory (layout described in src/device/README.md) and the one way the emulator writes
 * them: to a temporary file in the same directory, then rename, so a crash leaves the old or the new version and
 * never half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const DEVICE_FILES = {
  /** Identity, settings and the OMA-DM accounts. */
  device: 'device.json',
  /** Explicit CSP node values. */
  csp: 'csp.json',
  /** One JSON file per DeclaredConfiguration document: declared/<accountId>/<scope>-<DocID>.json. */
  declared: 'declared',
  /** The emulated Windows event log, one event per line. */
  events: 'events.log',
  /** Files the MI providers manage: C:\Temp\a.txt lives at sandbox/C/Temp/a.txt. */
  sandbox: 'sandbox',
  /** Written by the networking half: the enrollment key, the issued client certificate, the trusted root. */
  key: 'key.pem',
  cert: 'cert.pem',
  ca: 'ca.pem',
} as const;

export type DeviceFile = keyof typeof DEVICE_FILES;

export function devicePath(dir: string, file: DeviceFile): string {
  return path.join(dir, DEVICE_FILES[file]);
}

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { encoding: 'utf8', mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The parsed file, or undefined when it does not exist; any other failure (bad JSON included) is thrown. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A file format version check with a message that says which file and what to do. */
export function checkFormat(file: string, format: unknown, expected: number): void {
  if (format !== expected) {
    throw new Error(`${file} has format ${String(format)}; this windc reads format ${expected} only`);
  }
}
