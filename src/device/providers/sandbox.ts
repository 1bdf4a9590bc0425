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
  /** The root's real path: the root is the device's own directory and does not move while the device runs. */
  private realRoot: string | undefined;

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  /** The host path for a Windows path; the parent directories need not exist. */
  async resolve(windowsPath: string): Promise<string> {
    const { drive, segments } = splitWindowsPath(windowsPath);
    this.realRoot ??= await realpath(this.root);
    const root = this.realRoot;
    let host = path.join(root, drive);
    // The deepest path known to exist: only it needs realpath, and asking realpath about the parts that do not
    // exist yet would only fail (one thrown error per missing level) on the way up to it.
    let deepest = root;
    let existing = true;
    for (const s of segments) {
      if (existing) {
        const entry = await this.findEntry(host, s);
        if (entry.listed) deepest = host;
        existing = entry.match !== undefined;
        host = path.join(host, entry.match ?? s);
        if (existing) deepest = host;
      } else {
        host = path.join(host, s);
      }
    }
    await this.checkInside(root, deepest, windowsPath);
    return host;
  }

  /** The sandbox path of a host path below it, for messages (`C/Temp/a.txt`). */
  relative(host: string): string {
    return path.relative(this.root, host).split(path.sep).join('/');
  }

  /** Whether `dir` could be listed (it exists), and the entry naming `name` whatever its case. */
  private async findEntry(dir: string, name: string): Promise<{ listed: boolean; match?: string | undefined }> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return { listed: false };
    }
    if (names.includes(name)) return { listed: true, match: name };
    const lower = name.toLowerCase();
    return { listed: true, match: names.find((n) => n.toLowerCase() === lower) };
  }

  /**
   * The deepest existing directory (or entry) must resolve inside the root. It may vanish between the listing
   * and this check; then its parents are tried, up to the root.
   */
  private async checkInside(root: string, deepest: string, windowsPath: string): Promise<void> {
    let probe = deepest;
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
