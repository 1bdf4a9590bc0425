/**
 * Local drift on purpose: what a person or another tool does behind the management channel's back, so that the
 * DeclaredConfiguration refresh has something to find and repair (seed 001: drift is re-applied, a document whose
 * instance data is missing asks for a session). Only applied configuration documents are touched; inventories
 * have no desired state and abandoned documents are no longer enforced.
 *
 * - DSC MSFT_FileDirectoryConfiguration: the file at DestinationPath gets other contents (or is deleted).
 * - Resource access (CSP blocks): each node the document wrote gets another value of the same kind.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { Device } from './device.ts';
import { FILE_DIRECTORY_CLASS } from './providers/file-directory.ts';

export interface TamperOptions {
  /** Only this document (DocID, case-insensitive). */
  docId?: string;
  /** Delete managed files instead of changing them. */
  remove?: boolean;
}

export interface TamperAction {
  accountId: string;
  docId: string;
  target: string;
  change: string;
}

const APPLIED = new Set([60, 63]);

function otherValue(value: string | undefined): { value: string; format: 'int' | 'bool' | 'chr' } {
  if (value === undefined) return { value: 'tampered', format: 'chr' };
  if (/^-?\d+$/.test(value)) return { value: String(Number(value) + 1), format: 'int' };
  if (/^(true|false)$/i.test(value))
    return { value: value.toLowerCase() === 'true' ? 'false' : 'true', format: 'bool' };
  return { value: `${value}-tampered`, format: 'chr' };
}

export async function tamper(device: Device, opts: TamperOptions = {}): Promise<TamperAction[]> {
  const actions: TamperAction[] = [];
  for (const rec of device.declared.docs.list()) {
    if (opts.docId && rec.docId.toLowerCase() !== opts.docId.toLowerCase()) continue;
    if (rec.abandoned || rec.tombstone || !APPLIED.has(rec.state)) continue;
    const base = { accountId: rec.accountId, docId: rec.document.id };
    for (const block of rec.document.blocks) {
      if (block.kind !== 'DSC' || block.className.toLowerCase() !== FILE_DIRECTORY_CLASS.toLowerCase()) continue;
      const dest = block.properties.find((p) => p.name === 'DestinationPath')?.value;
      if (!dest) continue;
      const host = await device.sandbox.resolve(dest);
      const before = await readFile(host, 'utf8').catch(() => undefined);
      if (opts.remove) {
        await rm(host, { recursive: true, force: true });
        actions.push({ ...base, target: dest, change: before === undefined ? 'was already missing' : 'deleted' });
      } else {
        await writeFile(host, `tampered by windc at ${new Date(device.clock.now()).toISOString()}\n`);
        actions.push({ ...base, target: dest, change: 'contents replaced' });
      }
    }
    for (const uri of rec.writtenUris) {
      const current = device.getNode(uri);
      const next = otherValue(current);
      device.setNode(uri, next.value, next.format);
      actions.push({ ...base, target: uri, change: `${current ?? '(absent)'} → ${next.value}` });
    }
  }
  await device.flush();
  return actions;
}
