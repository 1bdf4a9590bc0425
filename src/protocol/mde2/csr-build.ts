import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import { OID } from './csr.ts';

export interface WindowsCsrInput {
  /** An RSASSA-PKCS1-v1_5 key pair; its hash (SHA-1 when the policy leaves it nil, as Windows does) signs. */
  keys: webcrypto.CryptoKeyPair;
  /** The CN as Windows builds it (see windowsCsrCommonName); written as a PrintableString plus NUL. */
  commonName: string;
  /** Written into 1.3.6.1.4.1.311.66.1.0 as raw ASCII plus NUL, like Windows. */
  deviceId?: string;
}

const CN_LIMIT = 64; // ub-common-name (RFC 5280); Windows cuts the GUID so the CN, NUL included, fits exactly.

/** `<GUID, cut>!<DeviceID>`: the CN shape of every Windows enrollment CSR seen in captures. */
export function windowsCsrCommonName(guid: string, deviceId: string): string {
  const room = Math.max(0, CN_LIMIT - 2 - deviceId.length);
  return `${guid.toUpperCase().slice(0, room)}!${deviceId}`;
}

function signatureOid(hash: string): string {
  switch (hash) {
    // Windows labels its SHA-1 requests with the OIW OID, not PKCS#1's; the emulator does the same.
    case 'SHA-1':
      return OID.sha1WithRsaOiw;
    case 'SHA-256':
      return OID.sha256WithRsa;
    case 'SHA-384':
      return OID.sha384WithRsa;
    case 'SHA-512':
      return OID.sha512WithRsa;
    default:
      throw new TypeError(`unsupported CSR hash ${hash}`);
  }
}

const ascii0 = (s: string) => new Uint8Array(Buffer.from(`${s}\0`, 'latin1'));

/**
 * A PKCS#10 request byte-compatible in shape with Windows' (version 0, PrintableString CN with NUL, extension
 * request carrying the DeviceID, OIW sha1WithRSA when hashing with SHA-1), for the device emulator.
 */
export async function buildWindowsCsr(input: WindowsCsrInput): Promise<Uint8Array> {
  const alg = input.keys.privateKey.algorithm as webcrypto.RsaHashedKeyAlgorithm;
  if (alg.name !== 'RSASSA-PKCS1-v1_5') throw new TypeError('buildWindowsCsr needs an RSASSA-PKCS1-v1_5 key');
  const sigOid = signatureOid(alg.hash.name);
  const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', input.keys.publicKey));

  const subject = new asn1js.Sequence({
    value: [
      new asn1js.Set({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.ObjectIdentifier({ value: OID.commonName }),
              new asn1js.PrintableString({ value: `${input.commonName}\0` }),
            ],
          }),
        ],
      }),
    ],
  });
  const attributes: asn1js.AsnType[] = [];
  if (input.deviceId !== undefined) {
    const ext = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: OID.windowsDeviceId }),
        new asn1js.OctetString({ valueHex: ascii0(input.deviceId) }),
      ],
    });
    attributes.push(
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.extensionRequest }),
          new asn1js.Set({ value: [new asn1js.Sequence({ value: [ext] })] }),
        ],
      }),
    );
  }
  const info = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      subject,
      asn1js.fromBER(spki).result,
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: attributes }),
    ],
  });
  const infoDer = new Uint8Array(info.toBER(false));
  const signature = await webcrypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, input.keys.privateKey, infoDer);
  const csr = new asn1js.Sequence({
    value: [
      info,
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: sigOid }), new asn1js.Null()] }),
      new asn1js.BitString({ valueHex: signature }),
    ],
  });
  return new Uint8Array(csr.toBER(false));
}
