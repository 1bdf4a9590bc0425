/**
 * MSFT_FileDirectoryConfiguration (root/Microsoft/Windows/DesiredStateConfiguration), for real, on files in the
 * sandbox. The WinDC extensibility page documents DestinationPath (Key), SourcePath and Contents (UTF-8); the
 * classic DSC File resource, the same CIM class, adds Ensure, Type, Force and Recurse, accepted here as strings
 * ("Present", "true") because WinDC passes strings only. Checksum, Attributes, MatchSource and Credential are not
 * emulated and fail the block rather than being silently ignored.
 *
 * Semantics, from the classic resource: Ensure defaults to Present and Type to File; Contents is written and
 * compared as UTF-8 without BOM, an empty Contents meaning an empty file; without Contents an existing file is in
 * the desired state (name-only comparison); SourcePath copies a file that is missing. Overwriting a file's contents
 * needs nothing, but replacing a file by a directory (or back) and deleting a non-empty directory need Force
 * (Recurse also allows the latter).
 */
import { copyFile, mkdir, readFile, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HResult, HResultError } from '../hresult.ts';
import type { MiInstance, MiPropertySpec, MiProvider, TestOutcome } from './mi.ts';
import type { Sandbox } from './sandbox.ts';

export const DSC_NAMESPACE = 'root/Microsoft/Windows/DesiredStateConfiguration';
export const FILE_DIRECTORY_CLASS = 'MSFT_FileDirectoryConfiguration';

const BOOL = ['true', 'false'];

const PROPERTIES: readonly MiPropertySpec[] = [
  { name: 'DestinationPath', key: true },
  { name: 'SourcePath' },
  { name: 'Contents' },
  { name: 'Ensure', values: ['Present', 'Absent'] },
  { name: 'Type', values: ['File', 'Directory'] },
  { name: 'Force', values: BOOL },
  { name: 'Recurse', values: BOOL },
];

interface Actual {
  host: string;
  kind: 'File' | 'Directory' | undefined;
}

function fail(hr: number, message: string): never {
  throw new HResultError(hr, message);
}

export class FileDirectoryProvider implements MiProvider {
  readonly namespace = DSC_NAMESPACE;
  readonly className = FILE_DIRECTORY_CLASS;
  readonly properties = PROPERTIES;

  constructor(private readonly sandbox: Sandbox) {}

  async get(input: MiInstance): Promise<MiInstance> {
    const dest = this.required(input);
    const a = await this.actual(dest);
    const out: MiInstance = {
      DestinationPath: dest,
      Ensure: a.kind ? 'Present' : 'Absent',
      Type: a.kind ?? input.Type ?? 'File',
      Contents: a.kind === 'File' ? await readFile(a.host, 'utf8') : '',
    };
    for (const k of ['SourcePath', 'Force', 'Recurse']) if (input[k] !== undefined) out[k] = input[k] as string;
    return out;
  }

  async test(input: MiInstance): Promise<TestOutcome> {
    const dest = this.required(input);
    this.checkCombination(input);
    const a = await this.actual(dest);
    const differing: string[] = [];
    if ((input.Ensure ?? 'Present') === 'Absent') {
      if (a.kind) differing.push('Ensure');
    } else if (!a.kind) {
      differing.push('Ensure');
    } else {
      if (a.kind !== (input.Type ?? 'File')) differing.push('Type');
      else if (input.Contents !== undefined && (await readFile(a.host, 'utf8')) !== input.Contents) {
        differing.push('Contents');
      }
    }
    return { inDesiredState: differing.length === 0, differingProperties: differing };
  }

  async set(input: MiInstance): Promise<void> {
    const dest = this.required(input);
    this.checkCombination(input);
    const a = await this.actual(dest);
    const force = input.Force === 'true';
    if ((input.Ensure ?? 'Present') === 'Absent') return this.remove(a, dest, force || input.Recurse === 'true');
    const type = input.Type ?? 'File';
    if (a.kind && a.kind !== type) {
      if (!force) fail(HResult.ALREADY_EXISTS, `${dest} exists as a ${a.kind.toLowerCase()}; set Force to replace it`);
      await rm(a.host, { recursive: true, force: true });
    }
    if (type === 'Directory') {
      await mkdir(a.host, { recursive: true });
      return;
    }
    await mkdir(path.dirname(a.host), { recursive: true });
    if (input.Contents !== undefined) {
      await writeFile(a.host, input.Contents, 'utf8');
    } else if (input.SourcePath !== undefined) {
      if (a.kind !== 'File') await this.copyFrom(input.SourcePath, a.host);
    } else if (a.kind !== 'File') {
      await writeFile(a.host, '', 'utf8');
    }
  }

  private required(input: MiInstance): string {
    const dest = input.DestinationPath;
    if (dest === undefined || dest === '') fail(HResult.WBEM_INVALID_PARAMETER, 'DestinationPath is required');
    return dest;
  }

  private checkCombination(input: MiInstance): void {
    if (input.Type === 'Directory' && input.Contents !== undefined) {
      fail(HResult.WBEM_INVALID_PARAMETER, 'Contents applies to a File, not a Directory');
    }
  }

  private async actual(dest: string): Promise<Actual> {
    const host = await this.sandbox.resolve(dest);
    try {
      const s = await stat(host);
      return { host, kind: s.isDirectory() ? 'Directory' : 'File' };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { host, kind: undefined };
      throw e;
    }
  }

  private async remove(a: Actual, dest: string, recursive: boolean): Promise<void> {
    if (a.kind === 'File') return unlink(a.host);
    if (a.kind !== 'Directory') return;
    try {
      await rmdir(a.host);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw e;
      if (!recursive) fail(HResult.DIR_NOT_EMPTY, `${dest} is not empty; set Force or Recurse to delete it`);
      await rm(a.host, { recursive: true, force: true });
    }
  }

  private async copyFrom(source: string, host: string): Promise<void> {
    const from = await this.sandbox.resolve(source);
    try {
      await copyFile(from, host);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        fail(HResult.FILE_NOT_FOUND, `SourcePath ${source} not found`);
      throw e;
    }
  }
}
