/**
 * The emulated C: drive. A Windows path is mapped below the device's sandbox directory, drive letter first
 * (`C:\Temp\a.txt` → `<sandbox>/C/Temp/a.txt`), and nothing a document says can reach outside it: `..` that climbs
 * above the drive root, UNC and device paths, relative paths and names Windows itself forbids are refused, and the
 * deepest existing directory is checked with realpath so a symbolic link planted in the sandbox cannot lead out.
 * Windows file names are case-insensitive, so an existing entry is reused whatever the case the document uses.
 */
import { mkdir, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { HResult, HResultError } from '../hresult.ts';

const DRIVE_PATH = /^([A-Za-z]):[\\/](.*)$/;
/** Characters Windows does not allow in a file name; control characters are tested separately. */
const INVALID_NAME = /[<>:"|?*]/;

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

function refuse(p: string, why: string): never {
  throw new HResultError(HResult.ACCESS_DENIED, `path '${p}' is refused: ${why}`);
}

function invalid(p: string, why: string): never {
  throw new HResultError(HResult.INVALID_PARAMETER, `path '${p}' is not a Windows path: ${why}`);
}

/** Drive letter (upper-case) and the segments below the drive root, `.` and `..` resolved lexically. */
export function splitWindowsPath(p: string): { drive: string; segments: string[] } {
  if (p.startsWith('\\\\') || p.startsWith('//')) refuse(p, 'UNC and device paths lead off the device');
  const m = DRIVE_PATH.exec(p);
  if (!m) invalid(p, 'it is not an absolute path such as C:\\Temp\\a.txt');
  const segments: string[] = [];
  for (const s of (m[2] as string).split(/[\\/]+/)) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (segments.length === 0) refuse(p, '.. climbs above the drive root');
      segments.pop();
      continue;
    }
    if (INVALID_NAME.test(s) || hasControl(s)) invalid(p, `'${s}' holds a character Windows forbids in names`);
    if (/[. ]$/.test(s)) invalid(p, `'${s}' ends with a dot or space, which Windows strips`);
    segments.push(s);
  }
  return { drive: (m[1] as string).toUpperCase(), segments };
}

export class Sandbox {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  /** The host path for a Windows path; the parent directories need not exist. */
  async resolve(windowsPath: string): Promise<string> {
    const { drive, segments } = splitWindowsPath(windowsPath);
    const root = await realpath(this.root);
    let host = path.join(root, drive);
    let existing = true;
    for (const s of segments) {
      if (existing) {
        const match = await this.findEntry(host, s);
        existing = match !== undefined;
        host = path.join(host, match ?? s);
      } else {
        host = path.join(host, s);
      }
    }
    await this.checkInside(root, host, windowsPath);
    return host;
  }

  /** The sandbox path of a host path below it, for messages (`C/Temp/a.txt`). */
  relative(host: string): string {
    return path.relative(this.root, host).split(path.sep).join('/');
  }

  private async findEntry(dir: string, name: string): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return undefined;
    }
    if (names.includes(name)) return name;
    const lower = name.toLowerCase();
    return names.find((n) => n.toLowerCase() === lower);
  }

  private async checkInside(root: string, host: string, windowsPath: string): Promise<void> {
    let probe = host;
    for (;;) {
      try {
        const real = await realpath(probe);
        if (real !== root && !real.startsWith(`${root}${path.sep}`)) refuse(windowsPath, 'it leads out of the sandbox');
        return;
      } catch (e) {
        if (e instanceof HResultError) throw e;
        const parent = path.dirname(probe);
        if (parent === probe) return;
        probe = parent;
      }
    }
  }
}
