/**
 * Just enough DER writing to assemble the device certificates windc issues: fixed shapes, concatenated bytes.
 * Issuing sits on the enrollment hot path, and a general ASN.1 object model costs several times the RSA
 * signature itself.
 */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  const n = body.length;
  let head: Buffer;
  if (n < 0x80) head = Buffer.from([tag, n]);
  else if (n < 0x100) head = Buffer.from([tag, 0x81, n]);
  else if (n < 0x10000) head = Buffer.from([tag, 0x82, n >> 8, n & 0xff]);
  else head = Buffer.from([tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([head, body]);
}

export const seq = (...parts: Uint8Array[]) => tlv(TAG.sequence, ...parts);

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * (arcs[0] as number) + (arcs[1] as number)];
  for (const arc of arcs.slice(2)) {
    const bytes = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

/** A non-negative INTEGER from big-endian magnitude bytes: leading zeros dropped, a 0x00 added when the top bit is set. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return tlv(TAG.integer, (m[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. Seconds precision, always Zulu. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20260102030405
  const year = d.getUTCFullYear();
  return year < 2050
    ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1'))
    : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
}

/** A BIT STRING whose content is whole bytes (unused bits 0): signatures and public keys. */
export function bitString(bytes: Uint8Array): Buffer {
  return tlv(TAG.bitString, Buffer.from([0]), bytes);
}

/** An X.509 Extension: extnID, critical (only when true, DER omits the default), extnValue. */
export function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical
    ? seq(oid(id), tlv(TAG.boolean, Buffer.from([0xff])), tlv(TAG.octetString, value))
    : seq(oid(id), tlv(TAG.octetString, value));
}

/** Splits one DER TLV at `offset`: its tag, the offset of its content and the offset just past it. */
export function readTlv(der: Uint8Array, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset] as number;
  let len = der[offset + 1] as number;
  let start = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('unsupported DER length');
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + (der[start + i] as number);
    start += count;
  }
  const end = start + len;
  if (end > der.length) throw new RangeError('DER value runs past its buffer');
  return { tag, start, end };
}

/** The element TLVs directly inside a constructed value. */
export function children(
  der: Uint8Array,
  outer: { start: number; end: number },
): Array<{ tag: number; start: number; end: number; offset: number }> {
  const out: Array<{ tag: number; start: number; end: number; offset: number }> = [];
  for (let at = outer.start; at < outer.end; ) {
    const t = readTlv(der, at);
    out.push({ ...t, offset: at });
    at = t.end;
  }
  return out;
}
