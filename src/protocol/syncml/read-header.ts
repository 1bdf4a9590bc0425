/** The SyncHdr decoder: reads every field it can so that even a rejected header yields what a reply needs. */
import type { XmlElement } from '../xml/index.ts';
import { SyncMLError } from './error.ts';
import type { SyncHdr } from './model.ts';
import { fail, flag, isBlank, once, type ReadContext, readLocation, readMeta, token, unexpected } from './read.ts';
import { readCred } from './read-command.ts';

export interface HeaderReading {
  header?: SyncHdr;
  /** Every field that decoded, even when others failed. */
  partial: Partial<SyncHdr>;
  error?: SyncMLError;
}

/** Required header elements and the fields they fill. */
const REQUIRED: ReadonlyArray<readonly [string, keyof SyncHdr]> = [
  ['VerDTD', 'verDtd'],
  ['VerProto', 'verProto'],
  ['SessionID', 'sessionId'],
  ['MsgID', 'msgId'],
  ['Target', 'target'],
  ['Source', 'source'],
];

/** Reads every field, keeping the first failure, so a rejected header still hands back what did decode. */
export function readHeader(el: XmlElement, ctx: ReadContext): HeaderReading {
  const h: Partial<SyncHdr> = {};
  let error: SyncMLError | undefined;
  for (const c of el.children) {
    try {
      if (c.kind === 'element') readField(c, el, ctx, h);
      else if (!isBlank(c.text)) fail('SYNCML_BAD_VALUE', '<SyncHdr> holds text', el);
    } catch (e) {
      if (!(e instanceof SyncMLError)) throw e;
      error ??= e;
    }
  }
  if (!error) {
    for (const [name, field] of REQUIRED) {
      if (h[field] === undefined) {
        error = new SyncMLError('SYNCML_MISSING_ELEMENT', `<SyncHdr> has no <${name}>`, {
          line: el.line,
          column: el.column,
        });
        break;
      }
    }
  }
  if (error) return { partial: h, error };
  return { header: h as SyncHdr, partial: h };
}

function readField(c: XmlElement, el: XmlElement, ctx: ReadContext, h: Partial<SyncHdr>): void {
  if (c.uri !== ctx.ns) unexpected(c, el);
  switch (c.local) {
    case 'VerDTD':
      h.verDtd = once(h.verDtd, c, el, token);
      break;
    case 'VerProto':
      h.verProto = once(h.verProto, c, el, token);
      break;
    case 'SessionID':
      h.sessionId = once(h.sessionId, c, el, token);
      break;
    case 'MsgID':
      h.msgId = once(h.msgId, c, el, token);
      break;
    case 'Target':
      h.target = once(h.target, c, el, readLocation, ctx);
      break;
    case 'Source':
      h.source = once(h.source, c, el, readLocation, ctx);
      break;
    case 'RespURI':
      h.respUri = once(h.respUri, c, el, token);
      break;
    case 'NoResp':
      h.noResp = once(h.noResp, c, el, flag);
      break;
    case 'Cred':
      h.cred = once(h.cred, c, el, readCred, ctx);
      break;
    case 'Meta':
      h.meta = once(h.meta, c, el, readMeta, ctx);
      break;
    default:
      unexpected(c, el);
  }
}

const VER_DTD = new Set(['1.1', '1.2']);
const VER_PROTO = new Set(['DM/1.1', 'DM/1.2']);

/** DM 1.1 peers are answered too: the element vocabulary Windows uses is the same. */
export function checkVersions(h: SyncHdr, el: XmlElement): void {
  if (!VER_DTD.has(h.verDtd)) fail('SYNCML_UNSUPPORTED_VERSION', `VerDTD ${h.verDtd} is not 1.1 or 1.2`, el);
  if (!VER_PROTO.has(h.verProto)) {
    fail('SYNCML_UNSUPPORTED_VERSION', `VerProto ${h.verProto} is not DM/1.1 or DM/1.2`, el);
  }
}
