/**
 * Entry points of the SyncML decoder.
 *
 * Every failure is a {@link SyncMLError} (a ProtocolError) whose `context` says how far decoding got:
 * - `parseSyncML` is all-or-nothing. When the body is at fault the error carries the decoded header and the
 *   failing command (`commandPath`); when the header is at fault, the header fields that were readable.
 * - `parseSyncMLTolerant` is what a server's session engine uses: a bad command becomes a {@link CommandFailure}
 *   at its place in the body, so the engine can answer it with an error Status (400, or the error's
 *   `syncmlStatus`) and still process the rest, as OMA DM asks. Failures that make the message as a whole
 *   untrustworthy (XML, header, limits, stray text in SyncBody) still throw.
 */
import { ProtocolError } from '../errors.ts';
import { parseXml, type XmlElement } from '../xml/index.ts';
import { type CommandRef, SyncMLError } from './error.ts';
import {
  MSFT_NS,
  SYNCML_11,
  SYNCML_12,
  type SyncHdr,
  type SyncMLCommand,
  type SyncMLFragment,
  type SyncMLMessage,
  type SyncMLNamespace,
} from './model.ts';
import { DEFAULT_SYNCML_LIMITS, fail, flag, isBlank, missing, type SyncMLLimits, unexpected } from './read.ts';
import { type CommandContext, readCommand } from './read-command.ts';
import { checkVersions, readHeader } from './read-header.ts';

export type SyncMLParseOptions = Partial<SyncMLLimits>;

/** A top-level command that could not be decoded, at its place among the SyncBody commands. */
export interface CommandFailure extends CommandRef {
  kind: 'Invalid';
  /** 0-based position among all SyncBody commands, valid and invalid. */
  index: number;
  error: SyncMLError;
}

export interface TolerantParse {
  /** The message with the decodable commands only. */
  message: SyncMLMessage;
  failures: CommandFailure[];
}

/** Errors that condemn the whole message even in tolerant mode: a limit was hit, so the rest was never read. */
const MESSAGE_FATAL = new Set(['SYNCML_TOO_MANY_ITEMS']);

/** Decodes a complete SyncML DM message (UTF-8 bytes or text) or throws a {@link SyncMLError}. */
export function parseSyncML(input: string | Uint8Array, options: SyncMLParseOptions = {}): SyncMLMessage {
  return parseTolerant(input, options, false).message;
}

/** Like {@link parseSyncML}, but a command that fails to decode is reported in `failures` instead of thrown. */
export function parseSyncMLTolerant(input: string | Uint8Array, options: SyncMLParseOptions = {}): TolerantParse {
  return parseTolerant(input, options, true);
}

/** The commands and failures of a tolerant parse merged back into document order. */
export function bodyInOrder(parse: TolerantParse): Array<SyncMLCommand | CommandFailure> {
  const out: Array<SyncMLCommand | CommandFailure> = [];
  let next = 0;
  for (const cmd of parse.message.commands) {
    while (parse.failures[next]?.index === out.length) out.push(parse.failures[next++] as CommandFailure);
    out.push(cmd);
  }
  while (next < parse.failures.length) out.push(parse.failures[next++] as CommandFailure);
  return out;
}

/**
 * Decodes documentation-style SyncML: the header may be absent or empty and the root may have no namespace, as in
 * Microsoft's WinDC examples. For tooling and tests; a server must use {@link parseSyncML}.
 */
export function parseSyncMLFragment(input: string | Uint8Array, options: SyncMLParseOptions = {}): SyncMLFragment {
  const { ctx, root } = open(input, options);
  return guard(() => {
    const namespace = syncmlNamespace(root);
    if (!namespace && root.uri !== '') fail('SYNCML_UNSUPPORTED_VERSION', unsupported(root), root);
    const { hdr, body } = sections(root, ctx);
    if (!body) missing('SyncBody', root);
    let header: SyncHdr | undefined;
    if (hdr?.children.some((c) => c.kind === 'element' || !isBlank(c.text))) {
      header = headerOf(hdr, ctx);
    }
    const { commands, final } = readBody(body, ctx, false, header);
    const fragment: SyncMLFragment = { namespace, header, commands, final };
    if (declaresMsft(root, body, ctx)) fragment.msftNamespace = true;
    return fragment;
  });
}

/** Decodes a lone command element, such as the `<Alert>` snippets in Microsoft's documentation. */
export function parseSyncMLCommand(input: string | Uint8Array, options: SyncMLParseOptions = {}): SyncMLCommand {
  const { ctx, root } = open(input, options);
  return guard(() => readCommand(root, ctx));
}

function parseTolerant(input: string | Uint8Array, options: SyncMLParseOptions, tolerant: boolean): TolerantParse {
  const { ctx, root } = open(input, options);
  let header: SyncHdr | undefined;
  return guard(
    () => {
      const namespace = syncmlNamespace(root);
      const { hdr, body } = sections(root, ctx);
      if (!hdr) missing('SyncHdr', root);
      // An unknown namespace is reported only after the header is read, so the error can carry its fields.
      header = headerOf(hdr, ctx, namespace ? undefined : root);
      if (!body) missing('SyncBody', root);
      const { commands, final, failures } = readBody(body, ctx, tolerant, header);
      const message: SyncMLMessage = { namespace: namespace as SyncMLNamespace, header, commands, final };
      if (declaresMsft(root, body, ctx)) message.msftNamespace = true;
      return { message, failures };
    },
    () => header,
  );
}

interface Opened {
  ctx: CommandContext;
  root: XmlElement;
}

function open(input: string | Uint8Array, options: SyncMLParseOptions): Opened {
  const d = DEFAULT_SYNCML_LIMITS;
  const limits: SyncMLLimits = {
    maxBytes: options.maxBytes ?? d.maxBytes,
    maxDepth: options.maxDepth ?? d.maxDepth,
    maxElements: options.maxElements ?? d.maxElements,
    maxItems: options.maxItems ?? d.maxItems,
    maxNesting: options.maxNesting ?? d.maxNesting,
  };
  return guard(() => {
    const doc = parseXml(decode(input, limits.maxBytes), limits);
    const ctx: CommandContext = { doc, ns: doc.root.uri, limits, items: 0, usesMsft: false, cmdIds: new Set() };
    return { ctx, root: doc.root };
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** HTTP bodies arrive as bytes; SyncML over HTTP is UTF-8 whatever the XML declaration claims. */
function decode(input: string | Uint8Array, maxBytes: number): string {
  if (typeof input === 'string') return input;
  if (input.byteLength > maxBytes) throw new ProtocolError('XML_TOO_LARGE', `XML input exceeds ${maxBytes} bytes`);
  try {
    return UTF8.decode(input);
  } catch (e) {
    throw new ProtocolError('XML_MALFORMED', 'the body is not valid UTF-8', undefined, { cause: e });
  }
}

function syncmlNamespace(root: XmlElement): SyncMLNamespace | undefined {
  if (root.local !== 'SyncML') fail('XML_UNEXPECTED_ROOT', `the root element is <${root.name}>, not <SyncML>`, root);
  return root.uri === SYNCML_12 || root.uri === SYNCML_11 ? root.uri : undefined;
}

function unsupported(root: XmlElement): string {
  return root.uri === ''
    ? '<SyncML> has no namespace; SYNCML:SYNCML1.2 or SYNCML:SYNCML1.1 is required'
    : `namespace "${root.uri}" is not SYNCML:SYNCML1.2 or SYNCML:SYNCML1.1`;
}

function sections(root: XmlElement, ctx: CommandContext) {
  let hdr: XmlElement | undefined;
  let body: XmlElement | undefined;
  for (const c of root.children) {
    if (c.kind === 'text') {
      if (!isBlank(c.text)) fail('SYNCML_BAD_VALUE', '<SyncML> holds text where only elements are allowed', root);
    } else if (c.uri === ctx.ns && c.local === 'SyncHdr' && !hdr) hdr = c;
    else if (c.uri === ctx.ns && c.local === 'SyncBody' && !body) body = c;
    else unexpected(c, root);
  }
  return { hdr, body };
}

/** Decodes the header; `badRoot` is the root when its namespace is not SyncML 1.x, an error reported last. */
function headerOf(el: XmlElement, ctx: CommandContext, badRoot?: XmlElement): SyncHdr {
  const { header, partial, error } = readHeader(el, ctx);
  try {
    if (error) throw error;
    if (badRoot) fail('SYNCML_UNSUPPORTED_VERSION', unsupported(badRoot), badRoot);
    checkVersions(header as SyncHdr, el);
  } catch (e) {
    if (e instanceof SyncMLError) e.context.partialHeader = partial;
    throw e;
  }
  return header as SyncHdr;
}

function readBody(body: XmlElement, ctx: CommandContext, tolerant: boolean, header: SyncHdr | undefined) {
  const commands: SyncMLCommand[] = [];
  const failures: CommandFailure[] = [];
  let final: true | undefined;
  for (const c of body.children) {
    if (c.kind === 'text') {
      if (!isBlank(c.text)) fail('SYNCML_BAD_VALUE', '<SyncBody> holds text where only commands are allowed', body);
      continue;
    }
    if (c.local === 'Final' && c.uri === ctx.ns) {
      if (final) fail('SYNCML_UNEXPECTED_ELEMENT', '<Final/> appears more than once', c);
      final = flag(c);
      continue;
    }
    try {
      commands.push(readCommand(c, ctx));
    } catch (e) {
      if (!tolerant || !(e instanceof SyncMLError) || MESSAGE_FATAL.has(e.code)) throw e;
      e.context.header = header;
      const ref = e.command ?? { cmd: c.local };
      failures.push({ kind: 'Invalid', ...ref, index: commands.length + failures.length, error: e });
    }
  }
  return { commands, failures, final: final === true };
}

/** xmlns:msft on SyncML or SyncBody, or an msft attribute used anywhere (which a rebuild must declare). */
function declaresMsft(root: XmlElement, body: XmlElement, ctx: CommandContext): boolean {
  if (ctx.usesMsft) return true;
  for (const el of [root, body])
    for (const a of el.attrs) if (a.name === 'xmlns:msft' && a.value === MSFT_NS) return true;
  return false;
}

/**
 * Runs a decoding step so that only SyncMLErrors leave it: errors from the XML layer are re-issued with the same
 * code and position, and every error learns the header when one was decoded.
 */
function guard<T>(fn: () => T, header?: () => SyncHdr | undefined): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    const err = e instanceof SyncMLError ? e : rewrap(e);
    const h = header?.();
    if (h && !err.context.header) err.context.header = h;
    throw err;
  }
}

function rewrap(e: ProtocolError): SyncMLError {
  const suffix = e.position ? ` (line ${e.position.line}, column ${e.position.column})` : '';
  const message = suffix && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
  return new SyncMLError(e.code, message, e.position, {}, e.cause ?? e);
}
