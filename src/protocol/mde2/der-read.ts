/**
 * A strict, allocation-light DER reader for the few structures enrollment decodes (PKCS#10 requests). General
 * ASN.1 libraries build an object per node and convert buffers at every step, which made decoding one CSR cost
 * as much as signing a certificate; here a node is its tag and byte offsets, read only where a caller asks.
 * Definite lengths only (DER); anything else is an error the caller reports in its own terms.
 */
export interface Tlv {
  /** The identifier octet: class, constructed bit and tag number below 31 (high tags are refused). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the value. */
  end: number;
}

export class DerError extends Error {
  override readonly name = 'DerError';
}

export const DER = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  numericString: 0x12,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('value runs past its container');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  let len = buf[offset + 1] as number;
  let contentStart = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 3) throw new DerError('length too large');
    if (contentStart + count > limit) throw new DerError('length runs past its container');
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + (buf[contentStart + i] as number);
    contentStart += count;
  }
  const end = contentStart + len;
  if (end > limit) throw new DerError('value runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The TLVs directly inside a constructed value, in order. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  if (!(parent.tag & 0x20)) throw new DerError('expected a constructed value');
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const t = readTlv(buf, at, parent.end);
    out.push(t);
    at = t.end;
    if (out.length > 4096) throw new DerError('too many elements');
  }
  return out;
}

export const content = (buf: Uint8Array, t: Tlv) => buf.subarray(t.contentStart, t.end);
export const whole = (buf: Uint8Array, t: Tlv) => buf.subarray(t.start, t.end);

export function oidOf(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== DER.oid || t.end === t.contentStart) throw new DerError('not an OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let v = 0;
  for (let i = t.contentStart; i < t.end; i++) {
    const b = buf[i] as number;
    if (v === 0 && b === 0x80) throw new DerError('OID arc has a leading zero octet');
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(v < 40 ? 0 : v < 80 ? 1 : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  if ((buf[t.end - 1] as number) & 0x80) throw new DerError('OID ends inside an arc');
  return arcs.join('.');
}

/** A small non-negative INTEGER (versions, exponents) as a number. */
export function smallIntegerOf(buf: Uint8Array, t: Tlv): number {
  if (t.tag !== DER.integer || t.end === t.contentStart) throw new DerError('not an INTEGER');
  if (t.end - t.contentStart > 6) throw new DerError('INTEGER too large');
  let v = (buf[t.contentStart] as number) & 0x80 ? -1 : 0;
  for (let i = t.contentStart; i < t.end; i++) v = v * 256 + (buf[i] as number);
  return v;
}

/** The text of a string-typed value, decoded per its ASN.1 type. */
export function stringOf(buf: Uint8Array, t: Tlv): string | undefined {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset + t.contentStart, t.end - t.contentStart);
  switch (t.tag) {
    case DER.utf8String:
      return bytes.toString('utf8');
    case DER.printableString:
    case DER.ia5String:
    case DER.numericString:
    case DER.visibleString:
    case DER.teletexString:
      return bytes.toString('latin1');
    case DER.bmpString:
      if (bytes.length % 2 !== 0) throw new DerError('BMPString of odd length');
      return Buffer.from(bytes).swap16().toString('utf16le');
    case DER.universalString: {
      if (bytes.length % 4 !== 0) throw new DerError('UniversalString length is not a multiple of 4');
      let s = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) s += String.fromCodePoint(bytes.readUInt32BE(i));
      return s;
    }
    default:
      return undefined;
  }
}
