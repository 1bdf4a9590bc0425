import { type ErrorCode, ProtocolError } from '../errors.ts';

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WS = /[\s]+/g;

/**
 * Strict base64 (RFC 4648 §4) with line breaks and indentation allowed, as pretty-printers insert them inside
 * BinarySecurityToken text. Node's decoder silently skips garbage, which would turn a corrupted token into a
 * shorter, plausible-looking one; this refuses it instead.
 */
export function decodeBase64(text: string, code: ErrorCode, what: string, maxBytes = 1024 * 1024): Uint8Array {
  const s = text.replace(WS, '');
  if (s.length === 0) throw new ProtocolError(code, `${what} is empty`);
  if (s.length % 4 !== 0 || !B64.test(s)) throw new ProtocolError(code, `${what} is not valid base64`);
  if ((s.length / 4) * 3 > maxBytes + 2) throw new ProtocolError(code, `${what} is larger than ${maxBytes} bytes`);
  const buf = Buffer.from(s, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function encodeBase64(bytes: Uint8Array | string): string {
  return typeof bytes === 'string'
    ? Buffer.from(bytes, 'utf8').toString('base64')
    : Buffer.from(bytes).toString('base64');
}
