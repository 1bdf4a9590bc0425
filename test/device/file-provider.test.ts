import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HResult, HResultError, Sandbox } from '../../src/device/index.ts';
import { FileDirectoryProvider } from '../../src/device/providers/file-directory.ts';
import { ProviderRegistry } from '../../src/device/providers/mi.ts';
import { splitWindowsPath } from '../../src/device/providers/sandbox.ts';

async function hresultOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HResultError, String(e));
    return e.hresult;
  }
  return assert.fail('expected a failure');
}

describe('the sandbox: Windows paths below the device directory', () => {
  let dir: string;
  let sandbox: Sandbox;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'windc-sandbox-'));
    sandbox = new Sandbox(path.join(dir, 'sandbox'));
    await sandbox.init();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('maps the drive letter (upper-cased) and segments; backslashes and slashes alike', async () => {
    const host = await sandbox.resolve('c:/Temp\\sub//a.txt');
    assert.equal(sandbox.relative(host), 'C/Temp/sub/a.txt');
    assert.deepEqual(splitWindowsPath('C:\\a\\.\\b\\..\\c'), { drive: 'C', segments: ['a', 'c'] });
  });

  it('reuses an existing entry whatever the case, as a case-insensitive file system would', async () => {
    await mkdir(path.join(dir, 'sandbox', 'C', 'Program Files'), { recursive: true });
    assert.equal(sandbox.relative(await sandbox.resolve('C:\\PROGRAM FILES\\x')), 'C/Program Files/x');
  });

  it('refuses traversal out of the sandbox, UNC paths and relative paths', async () => {
    assert.equal(await hresultOf(sandbox.resolve('C:\\..\\..\\etc\\passwd')), HResult.ACCESS_DENIED);
    assert.equal(await hresultOf(sandbox.resolve('\\\\server\\share\\a')), HResult.ACCESS_DENIED);
    assert.equal(await hresultOf(sandbox.resolve('Temp\\a.txt')), HResult.INVALID_PARAMETER);
    assert.equal(await hresultOf(sandbox.resolve('C:\\a<b')), HResult.INVALID_PARAMETER);
  });

  it('refuses a symbolic link inside the sandbox that leads out of it', async () => {
    await symlink(os.tmpdir(), path.join(dir, 'sandbox', 'C', 'escape'));
    assert.equal(await hresultOf(sandbox.resolve('C:\\escape\\x.txt')), HResult.ACCESS_DENIED);
  });

  it('refuses an existing file that is a symbolic link leading out, and a path below a missing directory', async () => {
    const outside = path.join(dir, 'outside.txt');
    await writeFile(outside, 'secret');
    await symlink(outside, path.join(dir, 'sandbox', 'C', 'link.txt'));
    assert.equal(await hresultOf(sandbox.resolve('C:\\link.txt')), HResult.ACCESS_DENIED);
    assert.equal(await hresultOf(sandbox.resolve('C:\\ESCAPE\\deeper\\x.txt')), HResult.ACCESS_DENIED);
    assert.equal(
      await sandbox.resolve('C:\\new\\deeper\\x.txt'),
      path.join(dir, 'sandbox', 'C', 'new', 'deeper', 'x.txt'),
    );
  });
});

describe('MSFT_FileDirectoryConfiguration', () => {
  let dir: string;
  let p: FileDirectoryProvider;
  const host = (...s: string[]) => path.join(dir, 'sandbox', 'C', ...s);
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'windc-file-'));
    const sandbox = new Sandbox(path.join(dir, 'sandbox'));
    await sandbox.init();
    p = new FileDirectoryProvider(sandbox);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('Set writes UTF-8 contents, creating parent directories; Test compares exactly and case-sensitively', async () => {
    const want = { DestinationPath: 'C:\\d\\f.txt', Contents: 'Grüße ✓' };
    assert.deepEqual(await p.test(want), { inDesiredState: false, differingProperties: ['Ensure'] });
    await p.set(want);
    assert.equal(await readFile(host('d', 'f.txt'), 'utf8'), 'Grüße ✓');
    assert.equal((await p.test(want)).inDesiredState, true);
    assert.deepEqual(await p.test({ ...want, Contents: 'grüße ✓' }), {
      inDesiredState: false,
      differingProperties: ['Contents'],
    });
  });

  it('Get reports what is there: the values an inventory returns', async () => {
    assert.deepEqual(await p.get({ DestinationPath: 'c:\\D\\F.TXT' }), {
      DestinationPath: 'c:\\D\\F.TXT',
      Ensure: 'Present',
      Type: 'File',
      Contents: 'Grüße ✓',
    });
    assert.deepEqual(await p.get({ DestinationPath: 'C:\\nothing' }), {
      DestinationPath: 'C:\\nothing',
      Ensure: 'Absent',
      Type: 'File',
      Contents: '',
    });
  });

  it('without Contents an existing file is in the desired state; empty Contents means an empty file', async () => {
    assert.equal((await p.test({ DestinationPath: 'C:\\d\\f.txt' })).inDesiredState, true);
    await p.set({ DestinationPath: 'C:\\d\\empty.txt', Contents: '' });
    assert.equal((await stat(host('d', 'empty.txt'))).size, 0);
  });

  it('Ensure Absent deletes; a non-empty directory needs Force or Recurse', async () => {
    await p.set({ DestinationPath: 'C:\\d\\empty.txt', Ensure: 'Absent' });
    assert.equal((await p.test({ DestinationPath: 'C:\\d\\empty.txt', Ensure: 'Absent' })).inDesiredState, true);
    const absentDir = { DestinationPath: 'C:\\d', Ensure: 'Absent', Type: 'Directory' };
    assert.equal(await hresultOf(p.set(absentDir)), HResult.DIR_NOT_EMPTY);
    await p.set({ ...absentDir, Force: 'true' });
    assert.equal((await p.get({ DestinationPath: 'C:\\d' })).Ensure, 'Absent');
  });

  it('Type Directory creates a directory; changing a file into one (or back) needs Force', async () => {
    await p.set({ DestinationPath: 'C:\\x', Type: 'Directory' });
    assert.equal((await stat(host('x'))).isDirectory(), true);
    assert.equal(await hresultOf(p.set({ DestinationPath: 'C:\\x', Contents: 'a' })), HResult.ALREADY_EXISTS);
    await p.set({ DestinationPath: 'C:\\x', Contents: 'a', Force: 'true' });
    assert.equal(await readFile(host('x'), 'utf8'), 'a');
  });

  it('SourcePath copies a missing file; a missing source is file-not-found', async () => {
    await writeFile(host('src.txt'), 'from source', 'utf8');
    await p.set({ DestinationPath: 'C:\\copy.txt', SourcePath: 'C:\\src.txt' });
    assert.equal(await readFile(host('copy.txt'), 'utf8'), 'from source');
    const missing = p.set({ DestinationPath: 'C:\\copy2.txt', SourcePath: 'C:\\none.txt' });
    assert.equal(await hresultOf(missing), HResult.FILE_NOT_FOUND);
  });

  it('Contents on a Directory is refused', async () => {
    const bad = p.test({ DestinationPath: 'C:\\y', Type: 'Directory', Contents: 'a' });
    assert.equal(await hresultOf(bad), HResult.WBEM_INVALID_PARAMETER);
  });

  it('the registry binds DSC properties: names case-insensitive, enums canonicalised, unknowns refused', () => {
    const reg = new ProviderRegistry();
    reg.register(p);
    const found = reg.find('root\\Microsoft\\Windows\\DesiredStateConfiguration', 'msft_filedirectoryconfiguration');
    assert.equal(found, p);
    assert.deepEqual(
      reg.bind(p, [
        { role: 'Key', name: 'destinationpath', value: 'C:\\a' },
        { role: 'Value', name: 'ensure', value: 'absent' },
        { role: 'Value', name: 'Force', value: 'TRUE' },
      ]),
      { DestinationPath: 'C:\\a', Ensure: 'Absent', Force: 'true' },
    );
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof HResultError ? e.hresult : -1;
      }
      return 0;
    };
    assert.equal(
      fail(() => reg.find('root/cimv2', 'X')),
      HResult.WBEM_INVALID_NAMESPACE,
    );
    assert.equal(
      fail(() => reg.find('root/Microsoft/Windows/DesiredStateConfiguration', 'X')),
      HResult.WBEM_INVALID_CLASS,
    );
    assert.equal(
      fail(() => reg.bind(p, [{ role: 'Value', name: 'Contents', value: 'a' }])),
      HResult.WBEM_INVALID_PARAMETER,
    );
    assert.equal(
      fail(() =>
        reg.bind(p, [
          { role: 'Key', name: 'DestinationPath', value: 'C:\\a' },
          { role: 'Value', name: 'Checksum', value: 'SHA-256' },
        ]),
      ),
      HResult.WBEM_INVALID_PARAMETER,
    );
    assert.equal(
      fail(() =>
        reg.bind(p, [
          { role: 'Key', name: 'DestinationPath', value: 'C:\\a' },
          { role: 'Value', name: 'Ensure', value: 'Maybe' },
        ]),
      ),
      HResult.WBEM_INVALID_PARAMETER,
    );
  });

  it('a document cannot reach outside the sandbox through DestinationPath', async () => {
    assert.equal(
      await hresultOf(p.set({ DestinationPath: 'C:\\..\\..\\outside.txt', Contents: 'x' })),
      HResult.ACCESS_DENIED,
    );
  });
});
