/** Human-readable rendering of what `decodeInput` found: one line per command, embedded documents beneath. */
import type * as declared from '../protocol/declared/index.ts';
import { stateName } from '../protocol/declared/index.ts';
import type * as syncml from '../protocol/syncml/index.ts';
import { describeAlert, describeStatus } from '../protocol/syncml/index.ts';
import type { Decoded, DecodeFailure, Embedded, ItemNotes } from './decode.ts';

const MAX_INLINE = 100;

export function render(d: Decoded): string {
  const out: string[] = [];
  renderInto(d, out, '');
  return `${out.join('\n')}\n`;
}

function renderInto(d: Decoded, out: string[], ind: string): void {
  switch (d.kind) {
    case 'syncml':
      renderSyncML(d.message, d.fragment, d.notes, out, ind);
      return;
    case 'declared-document':
    case 'declared-result':
    case 'declared-summary':
    case 'invalid':
      renderEmbedded(d, out, ind);
      return;
    case 'instance-blob':
      out.push(`${ind}InstanceBlob schema ${d.blob.schema}`);
      renderValue(d.blob.instances, out, `${ind}  `);
      return;
    case 'soap':
      out.push(`${ind}SOAP ${d.operation}${d.relatesTo ? `  relates to ${d.relatesTo}` : ''}`);
      if (d.action) out.push(`${ind}  action ${d.action}`);
      renderValue(d.body, out, `${ind}  `);
      if (d.embedded) {
        out.push(`${ind}  embedded:`);
        renderInto(d.embedded, out, `${ind}    `);
      }
      return;
    case 'provisioning':
      out.push(`${ind}wap-provisioningdoc`);
      renderValue(d.mdm, out, `${ind}  `);
      out.push(`${ind}  certificates:`);
      renderValue(d.certificates, out, `${ind}    `);
      out.push(
        d.problems.length === 0
          ? `${ind}  no known problems`
          : `${ind}  problems Windows would reject:\n${d.problems.map((p) => `${ind}    - ${p}`).join('\n')}`,
      );
      return;
    case 'csr':
      out.push(`${ind}PKCS#10 certificate request`);
      renderValue(d.csr, out, `${ind}  `);
      return;
    case 'windc-discovery-request':
      out.push(`${ind}WinDC discovery request`);
      renderValue({ ...d.request, decision: d.policy }, out, `${ind}  `);
      return;
    case 'windc-discovery-response':
      out.push(`${ind}WinDC discovery response`);
      renderValue(d.response, out, `${ind}  `);
      return;
    case 'http':
      out.push(`${ind}${d.startLine}`);
      for (const [k, v] of d.headers) out.push(`${ind}  ${k}: ${v}`);
      if (d.body) {
        out.push(`${ind}body:`);
        renderInto(d.body, out, `${ind}  `);
      }
      return;
  }
}

function renderSyncML(
  m: syncml.SyncMLMessage | syncml.SyncMLFragment,
  fragment: boolean,
  notes: ItemNotes[],
  out: string[],
  ind: string,
): void {
  const h = m.header;
  const ns = m.namespace ?? 'no namespace';
  if (h && !fragment) {
    out.push(
      `${ind}SyncML ${ns}  VerDTD ${h.verDtd} ${h.verProto}  session ${h.sessionId}  message ${h.msgId}${m.final ? '  final' : ''}`,
    );
    out.push(`${ind}  from ${loc(h.source)}  to ${loc(h.target)}`);
    if (h.cred)
      out.push(`${ind}  cred ${h.cred.meta?.type ?? '?'} ${h.cred.meta?.format ?? ''} ${h.cred.data}`.trimEnd());
    if (h.meta) out.push(`${ind}  meta ${metaText(h.meta)}`);
  } else {
    out.push(
      `${ind}SyncML fragment (${ns}, no usable SyncHdr: a documentation example, not a message)${m.final ? '  final' : ''}`,
    );
  }
  const byAt = new Map(notes.map((n) => [n.at, n]));
  renderCommands(m.commands, '', byAt, out, `${ind}  `);
}

function renderCommands(
  cmds: readonly syncml.SyncMLCommand[],
  prefix: string,
  notes: Map<string, ItemNotes>,
  out: string[],
  ind: string,
): void {
  cmds.forEach((c, i) => {
    const at = `${prefix}[${i}]`;
    out.push(`${ind}${commandLine(c)}`);
    if (c.kind === 'Atomic' || c.kind === 'Sequence') {
      renderCommands(c.commands, `${at}.commands`, notes, out, `${ind}  `);
      return;
    }
    c.items.forEach((item, j) => {
      out.push(`${ind}    ${itemLine(item)}`);
      const note = notes.get(`${at}.items[${j}]`);
      if (note?.locUri) {
        out.push(
          `${ind}      ${'meaning' in note.locUri ? `= ${note.locUri.meaning}` : `! ${failText(note.locUri.error)}`}`,
        );
      }
      if (note?.embedded) renderEmbedded(note.embedded, out, `${ind}      `);
    });
  });
}

function commandLine(c: syncml.SyncMLCommand): string {
  const id = `[${c.cmdId}]`;
  switch (c.kind) {
    case 'Status': {
      const refs = c.targetRefs.length ? `  target ${c.targetRefs.join(', ')}` : '';
      const err = c.msft?.originalerror ? `  originalerror ${c.msft.originalerror}` : '';
      const chal = c.chal ? `  challenge ${metaText(c.chal.meta)}` : '';
      return `${id} Status ${c.code} ${brief(describeStatus(c.code))}  for ${c.cmd} (msg ${c.msgRef}, cmd ${c.cmdRef})${refs}${err}${chal}`;
    }
    case 'Results':
      return `${id} Results for cmd ${c.cmdRef}${c.msgRef ? ` (msg ${c.msgRef})` : ''}`;
    case 'Alert':
      return `${id} Alert ${c.code} ${brief(describeAlert(c.code))}`;
    default:
      return `${id} ${c.kind}${'meta' in c && c.meta ? `  ${metaText(c.meta)}` : ''}`;
  }
}

function itemLine(item: syncml.Item): string {
  const where = item.target ? loc(item.target) : item.source ? `from ${loc(item.source)}` : '(no LocURI)';
  const meta = item.meta ? `  [${metaText(item.meta)}]` : '';
  const more = item.moreData ? '  (MoreData: more chunks follow)' : '';
  if (item.data === undefined) return `${where}${meta}${more}`;
  const oneLine = item.data.replace(/\s*\n\s*/g, ' ');
  const data = oneLine.length > MAX_INLINE ? `${oneLine.slice(0, MAX_INLINE)}… (${item.data.length} chars)` : oneLine;
  return `${where}${meta} = ${data}${more}`;
}

function renderEmbedded(e: Embedded, out: string[], ind: string): void {
  switch (e.kind) {
    case 'invalid':
      out.push(`${ind}! invalid ${e.what}: ${failText(e.error)}`);
      return;
    case 'declared-summary':
      out.push(`${ind}WinDC summary (${e.summary.documents.length} documents)`);
      for (const doc of e.summary.documents) {
        const rc = doc.resultChecksum ? `  result ${doc.resultChecksum}` : '';
        const ab = doc.abandoned ? '  abandoned' : '';
        out.push(
          `${ind}  ${doc.context} ${doc.id}  state ${doc.state} ${stateName(doc.state)}  checksum ${doc.checksum}${rc}${ab}`,
        );
      }
      return;
    case 'declared-document':
      renderDocument(e.document, e.checksum, out, ind);
      return;
    case 'declared-result':
      renderResult(e.result, out, ind);
      return;
  }
}

function renderDocument(d: declared.DeclaredConfigurationDocument, computed: string, out: string[], ind: string): void {
  const match = d.checksum === computed ? '(matches content)' : `(content hashes to ${computed})`;
  out.push(`${ind}DeclaredConfiguration ${d.context} ${d.id}  scenario ${d.scenario}  schema ${d.schema}`);
  out.push(`${ind}  checksum ${d.checksum} ${match}`);
  for (const b of d.blocks) {
    if (b.kind === 'DSC') {
      out.push(`${ind}  DSC ${b.namespace} ${b.className}`);
      for (const p of b.properties) out.push(`${ind}    ${p.role} ${p.name} = ${p.value}`);
    } else {
      out.push(`${ind}  CSP ${b.name}`);
      for (const u of b.uris) out.push(`${ind}    ${u.path} (${u.type}) = ${u.value}`);
    }
  }
}

function renderResult(r: declared.DeclaredConfigurationResult, out: string[], ind: string): void {
  out.push(
    `${ind}DeclaredConfigurationResult ${r.context} ${r.id}  ${r.operation}  state ${r.state} ${stateName(r.state)}  scenario ${r.scenario}`,
  );
  out.push(
    `${ind}  checksum ${r.checksum}  result_checksum ${r.resultChecksum}${r.resultTimestamp ? `  at ${r.resultTimestamp}` : ''}`,
  );
  for (const b of r.blocks) {
    const status = b.status ? ` status ${b.status}` : '';
    if (b.kind === 'DSC') {
      out.push(`${ind}  DSC ${b.namespace} ${b.className}  state ${b.state} ${stateName(b.state)}${status}`);
      for (const p of b.properties) out.push(`${ind}    ${p.role} ${p.name}${p.value ? ` = ${p.value}` : ''}`);
    } else {
      out.push(`${ind}  CSP ${b.name}  state ${b.state} ${stateName(b.state)}${status}`);
      for (const u of b.uris) {
        const st = u.status ? ` status ${u.status}` : '';
        out.push(
          `${ind}    ${u.path} (${u.type})  state ${u.state} ${stateName(u.state)}${st}${u.value ? ` = ${u.value}` : ''}`,
        );
      }
    }
  }
}

/** The name part of a code's description: `OK` from `OK: the command completed successfully.` */
function brief(description: string): string {
  return description.replace(/[:.].*$/s, '');
}

function loc(l: syncml.Location): string {
  return l.locName ? `${l.locUri} (${l.locName})` : l.locUri;
}

function metaText(m: syncml.Meta): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : v}`)
    .join(', ');
}

function failText(f: DecodeFailure): string {
  const at = f.line ? ` at line ${f.line}, column ${f.column}` : '';
  return `${f.code}: ${f.message}${at}`;
}

/** A YAML-like rendering of plain data: enough for SOAP bodies and provisioning documents. */
function renderValue(v: unknown, out: string[], ind: string): void {
  if (v instanceof Map) v = Object.fromEntries(v);
  if (Array.isArray(v)) {
    for (const x of v) {
      if (isNameValue(x)) {
        out.push(`${ind}- ${x.name}: ${scalar(x.value)}`);
        continue;
      }
      if (x !== null && typeof x === 'object') {
        out.push(`${ind}-`);
        renderValue(x, out, `${ind}  `);
      } else out.push(`${ind}- ${scalar(x)}`);
    }
    return;
  }
  if (v === null || typeof v !== 'object') {
    out.push(`${ind}${scalar(v)}`);
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    if (x instanceof Uint8Array) out.push(`${ind}${k}: ${x.length} bytes`);
    else if (x !== null && typeof x === 'object') {
      if ((Array.isArray(x) && x.length === 0) || (x instanceof Map && x.size === 0)) continue;
      out.push(`${ind}${k}:`);
      renderValue(x, out, `${ind}  `);
    } else out.push(`${ind}${k}: ${scalar(x)}`);
  }
}

function isNameValue(x: unknown): x is { name: string; value: unknown } {
  if (x === null || typeof x !== 'object') return false;
  const keys = Object.keys(x);
  return (
    keys.length === 2 &&
    keys.includes('name') &&
    keys.includes('value') &&
    typeof (x as { value: unknown }).value !== 'object'
  );
}

/** Control characters (Windows' CN ends in NUL) are shown escaped rather than written to the terminal. */
function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

function scalar(x: unknown): string {
  if (typeof x === 'string') {
    const shown = hasControlCharacter(x) ? JSON.stringify(x) : x;
    return shown.length > 2 * MAX_INLINE ? `${shown.slice(0, MAX_INLINE)}… (${x.length} chars)` : shown;
  }
  return String(x);
}
