/**
 * The SyncML encoder: compact, deterministic XML with elements in OMA DTD order (MS-MDM's Cmd in Results after
 * CmdRef). It refuses models that would not decode back to themselves — XML-illegal characters, padded
 * identifiers, empty Item lists, repeated CmdIDs, markup Data that is not well-formed — because a message Windows
 * rejects costs a whole session round trip, while a thrown error points at the bug.
 */
import { escapeAttr, escapeText, parseXml } from '../xml/index.ts';
import { SyncMLError } from './error.ts';
import {
  type AlertCommand,
  type Chal,
  type ContainedCommand,
  type Cred,
  type ExecCommand,
  type Item,
  type Location,
  METINF_NS,
  type Meta,
  MSFT_NS,
  type MsftAttributes,
  type ResultsCommand,
  type StatusCommand,
  type SyncHdr,
  type SyncMLCommand,
  type SyncMLMessage,
} from './model.ts';
import { MSFT_ATTR_NAME, trimXml } from './read.ts';

export interface BuildOptions {
  /** Start with `<?xml version="1.0" encoding="UTF-8"?>`. Windows omits it; both forms are accepted everywhere. */
  xmlDeclaration?: boolean;
  /**
   * Emit Data that has no `dataForm` and contains `<` as one CDATA section rather than entity-escaped. Changes
   * only the wire form: the decoded string is the same (but the decoded model then says `dataForm: 'cdata'`).
   */
  cdataForMarkupText?: boolean;
}

interface Writer {
  opts: BuildOptions;
  cmdIds: Set<string>;
  usesMsft: boolean;
}

export function buildSyncML(m: SyncMLMessage, options: BuildOptions = {}): string {
  const w: Writer = { opts: options, cmdIds: new Set(), usesMsft: false };
  let body = '';
  for (const cmd of m.commands) body += command(w, cmd);
  if (m.final) body += '<Final/>';
  const msft = m.msftNamespace || w.usesMsft ? ` xmlns:msft="${MSFT_NS}"` : '';
  const decl = options.xmlDeclaration ? '<?xml version="1.0" encoding="UTF-8"?>' : '';
  return `${decl}<SyncML xmlns="${m.namespace}">${header(m.header)}<SyncBody${msft}>${body}</SyncBody></SyncML>`;
}

/**
 * One command on its own, e.g. for logs or documentation. It carries no namespace declarations, so an msft
 * attribute in it leaves the prefix unbound.
 */
export function buildCommand(cmd: SyncMLCommand, options: BuildOptions = {}): string {
  return command({ opts: options, cmdIds: new Set(), usesMsft: false }, cmd);
}

function invalid(message: string): never {
  throw new SyncMLError('SYNCML_BAD_VALUE', `cannot encode: ${message}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * True when `s` holds what XML 1.0 cannot carry, or an unpaired surrogate, which has no UTF-8 form. Both tests
 * are native scans: a JavaScript loop over every character was most of the time spent building large Results.
 */
function hasNonXmlChar(s: string): boolean {
  return NOT_XML_CHAR.test(s) || !(s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function checkChars(s: string, what: string): void {
  if (hasNonXmlChar(s)) invalid(`${what} contains a character XML cannot carry`);
}

/** Escaped character data; CR as a reference, or the parser would fold it into LF. */
function text(s: string, what: string): string {
  checkChars(s, what);
  const t = escapeText(s);
  return t.includes('\r') ? t.replace(/\r/g, '&#13;') : t;
}

/** Identifiers, URIs, codes: decoding trims layout whitespace, so a padded value would not come back. */
function tokenEl(name: string, v: string): string {
  if (v === '' || trimXml(v) !== v) invalid(`<${name}> "${v}" is empty or padded with whitespace`);
  return `<${name}>${text(v, name)}</${name}>`;
}

function intEl(name: string, v: number, min: number, max: number): string {
  if (!Number.isSafeInteger(v) || v < min || v > max) invalid(`<${name}> ${v} is not an integer in ${min}..${max}`);
  return `<${name}>${v}</${name}>`;
}

function optToken(name: string, v: string | undefined): string {
  return v === undefined ? '' : tokenEl(name, v);
}

function header(h: SyncHdr): string {
  return (
    '<SyncHdr>' +
    tokenEl('VerDTD', h.verDtd) +
    tokenEl('VerProto', h.verProto) +
    tokenEl('SessionID', h.sessionId) +
    tokenEl('MsgID', h.msgId) +
    location('Target', h.target) +
    location('Source', h.source) +
    optToken('RespURI', h.respUri) +
    (h.noResp ? '<NoResp/>' : '') +
    cred(h.cred) +
    meta(h.meta) +
    '</SyncHdr>'
  );
}

function location(name: string, loc: Location | undefined): string {
  if (!loc) return '';
  let s = tokenEl('LocURI', loc.locUri);
  if (loc.locName !== undefined) {
    if (trimXml(loc.locName) !== loc.locName) invalid(`<LocName> "${loc.locName}" is padded with whitespace`);
    s += loc.locName === '' ? '<LocName/>' : `<LocName>${text(loc.locName, 'LocName')}</LocName>`;
  }
  return `<${name}>${s}</${name}>`;
}

const MAX_SIZE = Number.MAX_SAFE_INTEGER;

function metinf(name: string, v: string | number | undefined): string {
  if (v === undefined) return '';
  const body = typeof v === 'number' ? intEl(name, v, 0, MAX_SIZE) : tokenEl(name, v);
  return body.replace(`<${name}>`, `<${name} xmlns="${METINF_NS}">`);
}

function meta(m: Meta | undefined): string {
  if (!m) return '';
  const format = metinf('Format', m.format);
  const type = metinf('Type', m.type);
  let s =
    (m.typeFirst ? type + format : format + type) +
    metinf('Mark', m.mark) +
    metinf('Size', m.size) +
    metinf('Version', m.version) +
    metinf('NextNonce', m.nextNonce) +
    metinf('MaxMsgSize', m.maxMsgSize) +
    metinf('MaxObjSize', m.maxObjSize);
  for (const e of m.emi ?? []) s += `<EMI xmlns="${METINF_NS}">${text(e, 'EMI')}</EMI>`;
  return s === '' ? '<Meta/>' : `<Meta>${s}</Meta>`;
}

function cred(c: Cred | undefined): string {
  if (!c) return '';
  return `<Cred>${meta(c.meta)}${tokenEl('Data', c.data)}</Cred>`;
}

function chal(c: Chal | undefined): string {
  return c ? `<Chal>${meta(c.meta)}</Chal>` : '';
}

function msftAttrs(w: Writer, attrs: MsftAttributes | undefined): string {
  if (!attrs) return '';
  let s = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (!MSFT_ATTR_NAME.test(k)) invalid(`msft attribute name "${k}"`);
    checkChars(v, `msft:${k}`);
    s += ` msft:${k}="${escapeAttr(v)}"`;
  }
  if (s) w.usesMsft = true;
  return s;
}

function data(w: Writer, it: Item): string {
  if (it.data === undefined) {
    if (it.dataForm || it.msft) invalid('an Item has dataForm or msft attributes but no data');
    return '';
  }
  const attrs = msftAttrs(w, it.msft);
  const d = it.data;
  let form = it.dataForm;
  if (!form && w.opts.cdataForMarkupText && d.includes('<')) form = 'cdata';
  let inner: string;
  if (form === 'markup') inner = markup(d);
  else if (form === 'cdata') inner = cdataSection(d);
  else inner = text(d, 'Data');
  return inner === '' ? `<Data${attrs}/>` : `<Data${attrs}>${inner}</Data>`;
}

/** One CDATA section as far as XML allows: `]]>` is split and CR goes out as a reference between sections. */
function cdataSection(s: string): string {
  checkChars(s, 'Data');
  const body = s.replace(/]]>/g, ']]]]><![CDATA[>').replace(/\r/g, ']]>&#13;<![CDATA[');
  return `<![CDATA[${body}]]>`;
}

/** Markup goes out verbatim, so it is proven well-formed and element-bearing first (plain text would decode differently). */
function markup(s: string): string {
  checkChars(s, 'Data');
  let hasElement = false;
  try {
    hasElement = parseXml(`<Data>${s}</Data>`).root.children.some((c) => c.kind === 'element');
  } catch (e) {
    invalid(`markup Data is not well-formed XML (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!hasElement) invalid('markup Data holds no element; send it as text');
  return s;
}

function item(w: Writer, it: Item): string {
  return (
    '<Item>' +
    location('Target', it.target) +
    location('Source', it.source) +
    meta(it.meta) +
    data(w, it) +
    (it.moreData ? '<MoreData/>' : '') +
    '</Item>'
  );
}

function items(w: Writer, list: readonly Item[], owner: string, required: boolean): string {
  if (required && list.length === 0) invalid(`<${owner}> needs at least one Item`);
  let s = '';
  for (const it of list) s += item(w, it);
  return s;
}

function cmdIdEl(w: Writer, id: string): string {
  if (id === '0') invalid('CmdID must not be "0"');
  if (w.cmdIds.has(id)) invalid(`CmdID ${id} is used twice`);
  w.cmdIds.add(id);
  return tokenEl('CmdID', id);
}

function command(w: Writer, c: SyncMLCommand): string {
  switch (c.kind) {
    case 'Status':
      return status(w, c);
    case 'Results':
      return results(w, c);
    default:
      return contained(w, c);
  }
}

function contained(w: Writer, c: ContainedCommand): string {
  const head = cmdIdEl(w, c.cmdId) + (c.noResp ? '<NoResp/>' : '');
  switch (c.kind) {
    case 'Atomic':
    case 'Sequence': {
      if (c.commands.length === 0) invalid(`<${c.kind}> needs at least one command`);
      let inner = '';
      for (const sub of c.commands) inner += contained(w, sub);
      return `<${c.kind}>${head}${meta(c.meta)}${inner}</${c.kind}>`;
    }
    case 'Alert':
      return alert(w, c, head);
    case 'Exec':
      return exec(w, c, head);
    case 'Get':
      return `<Get>${head}${optToken('Lang', c.lang)}${cred(c.cred)}${meta(c.meta)}${items(w, c.items, 'Get', true)}</Get>`;
    default:
      return `<${c.kind}>${head}${cred(c.cred)}${meta(c.meta)}${items(w, c.items, c.kind, true)}</${c.kind}>`;
  }
}

function alert(w: Writer, c: AlertCommand, head: string): string {
  return (
    `<Alert>${head}${cred(c.cred)}${meta(c.meta)}${intEl('Data', c.code, 0, 9999)}` +
    `${optToken('Correlator', c.correlator)}${items(w, c.items, 'Alert', false)}</Alert>`
  );
}

function exec(w: Writer, c: ExecCommand, head: string): string {
  if (c.items.length !== 1) invalid('<Exec> takes exactly one Item');
  return (
    `<Exec>${head}${cred(c.cred)}${meta(c.meta)}${optToken('Correlator', c.correlator)}` +
    `${items(w, c.items, 'Exec', true)}</Exec>`
  );
}

function status(w: Writer, c: StatusCommand): string {
  let refs = '';
  for (const r of c.targetRefs) refs += tokenEl('TargetRef', r);
  for (const r of c.sourceRefs) refs += tokenEl('SourceRef', r);
  const code = intEl('Data', c.code, 100, 999).replace('<Data>', `<Data${msftAttrs(w, c.msft)}>`);
  return (
    `<Status>${cmdIdEl(w, c.cmdId)}${tokenEl('MsgRef', c.msgRef)}${tokenEl('CmdRef', c.cmdRef)}` +
    `${tokenEl('Cmd', c.cmd)}${refs}${cred(c.cred)}${chal(c.chal)}${code}${items(w, c.items, 'Status', false)}</Status>`
  );
}

function results(w: Writer, c: ResultsCommand): string {
  return (
    `<Results>${cmdIdEl(w, c.cmdId)}${optToken('MsgRef', c.msgRef)}${tokenEl('CmdRef', c.cmdRef)}` +
    `${optToken('Cmd', c.cmd)}${meta(c.meta)}${optToken('TargetRef', c.targetRef)}${optToken('SourceRef', c.sourceRef)}` +
    `${items(w, c.items, 'Results', true)}</Results>`
  );
}
