/**
 * The structure of a SyncML message, element by element, with identifiers and values left out: what "the
 * emulator's messages match the real captures" means. Element names, their order and nesting, attributes, and
 * the text of the elements that carry protocol structure (versions, command names, alert codes, Meta Type and
 * Format) are kept; SessionID, MsgID, LocURIs, device values and digests are masked. Whitespace between elements
 * (pretty-printed captures) is ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseXml, type XmlElement } from '../../../src/protocol/xml/index.ts';
import { SHARED } from '../../support/protocol.ts';
import { repoRoot } from '../support.ts';

const KEEP = new Set(['VerDTD', 'VerProto', 'Cmd', 'Type', 'Format', 'Mark', 'CmdID', 'CmdRef']);

function text(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (c.kind === 'text') s += c.text;
  return s.trim();
}

function walk(el: XmlElement, parent: string, depth: number, out: string[]): void {
  const attrs = el.attrs.map((a) => `${a.name}=${a.value}`).join(' ');
  const kids = el.children.filter((c): c is XmlElement => c.kind === 'element');
  let value = '';
  if (kids.length === 0) {
    const t = text(el);
    // Alert codes are structure; every other Data is a value.
    const keep = KEEP.has(el.local) || (el.local === 'Data' && parent === 'Alert');
    value = t === '' ? '' : keep ? ` = ${t}` : ' = …';
  }
  out.push(`${'  '.repeat(depth)}${el.local}${attrs ? ` [${attrs}]` : ''}${value}`);
  for (const k of kids) walk(k, el.local, depth + 1, out);
}

export function shape(xml: string): string {
  const out: string[] = [];
  walk(parseXml(xml).root, '', 0, out);
  return out.join('\n');
}

const CAPTURES = path.join(SHARED, 'fixtures/windows-26200');

export function capture(name: string): string {
  return readFileSync(path.join(CAPTURES, `windows-26200.9278-${name}.xml`), 'utf8');
}

export const SHARED_MISSING = existsSync(CAPTURES) ? false : `no shared captures at ${CAPTURES}`;

/** Our own copy of a capture's shape, so the structural check runs without /work/shared. */
export function ownShape(name: string): string {
  return readFileSync(path.join(repoRoot, 'test/fixtures/device-net', `${name}.shape.txt`), 'utf8').trimEnd();
}
