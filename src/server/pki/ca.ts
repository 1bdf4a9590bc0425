import { createHash, createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { buildClientCertificate, type IssuerTemplate, issuerTemplate } from './client-cert.ts';
import { webcrypto, x509 } from './crypto.ts';

/** What the store keeps about every certificate windc issues. */
export interface IssuedCertificate {
  der: Uint8Array;
  pem: string;
  /** Upper-case hex, no leading zeros stripped: what `openssl x509 -serial` prints. */
  serial: string;
  /** Upper-case SHA-1 hex of the DER: the thumbprint Windows shows and puts in CertificateStore paths. */
  thumbprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
// Backdating absorbs clock skew between the server and devices that check notBefore strictly.
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * windc's built-in certificate authority. RSA-2048/SHA-256 because every Windows build accepts it as an MDM
 * root; the device's own key type comes from its CSR and is certified as sent.
 */
export class CertificateAuthority {
  readonly cert: x509.X509Certificate;
  readonly certPem: string;
  private readonly signingKey: webcrypto.CryptoKey;
  private readonly keyPem: string;
  private template: IssuerTemplate | undefined;

  private constructor(cert: x509.X509Certificate, signingKey: webcrypto.CryptoKey, keyPem: string) {
    this.cert = cert;
    this.certPem = cert.toString('pem');
    this.signingKey = signingKey;
    this.keyPem = keyPem;
  }

  static async create(commonName = 'windc Device CA', validityYears = 10): Promise<CertificateAuthority> {
    const keys = (await webcrypto.subtle.generateKey(
      { ...RSA_SHA256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['sign', 'verify'],
    )) as webcrypto.CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialHex(),
      name: `CN=${escapeDnValue(commonName)}, O=windc`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + validityYears * 365.25 * 86_400_000),
      keys,
      signingAlgorithm: RSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const keyPem = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString();
    return new CertificateAuthority(cert, keys.privateKey, keyPem);
  }

  static async load(material: CaMaterial): Promise<CertificateAuthority> {
    const cert = new x509.X509Certificate(material.certPem);
    const der = createPrivateKey(material.keyPem).export({ format: 'der', type: 'pkcs8' });
    const key = await webcrypto.subtle.importKey('pkcs8', der, RSA_SHA256, false, ['sign']);
    // A key that does not belong to the certificate would issue certificates nobody can verify: refuse early.
    const spki = createPublicKey(material.keyPem).export({ format: 'der', type: 'spki' });
    if (!Buffer.from(cert.publicKey.rawData).equals(spki)) {
      throw new Error('CA private key does not match the CA certificate');
    }
    return new CertificateAuthority(cert, key, material.keyPem);
  }

  material(): CaMaterial {
    return { certPem: this.certPem, keyPem: this.keyPem };
  }

  /** SHA-1 thumbprint of the CA certificate, upper-case hex (the provisioning document's Root store key). */
  get thumbprint(): string {
    return thumbprintOf(new Uint8Array(this.cert.rawData));
  }

  /**
   * Certifies a device's public key for TLS client authentication. The subject carries the DeviceID; the
   * caller has already verified the CSR signature, so possession of the key is proven. This runs once per
   * enrollment, so it takes the direct DER path of client-cert.ts rather than the general builder below.
   */
  async issueClientCertificate(params: {
    publicKey: x509.PublicKey | ArrayBuffer | Uint8Array;
    deviceId: string;
    validityDays: number;
    now?: Date;
  }): Promise<IssuedCertificate> {
    const spki =
      params.publicKey instanceof x509.PublicKey
        ? new Uint8Array(params.publicKey.rawData)
        : new Uint8Array(toArrayBuffer(params.publicKey));
    const now = (params.now ?? new Date()).getTime();
    const commonName = params.deviceId.replace(/\0/g, '');
    const notBefore = new Date(Math.floor((now - BACKDATE_MS) / 1000) * 1000);
    const notAfter = new Date(Math.floor((now + params.validityDays * 86_400_000) / 1000) * 1000);
    this.template ??= issuerTemplate(new Uint8Array(this.cert.rawData), createPrivateKey(this.keyPem));
    const issued = buildClientCertificate(this.template, { spki, commonName, notBefore, notAfter });
    const der = new Uint8Array(issued.der);
    return {
      der,
      pem: toPem(der),
      serial: issued.serial.toString('hex').toUpperCase(),
      thumbprint: thumbprintOf(der),
      subject: `CN=${escapeDnValue(commonName)}`,
      notBefore,
      notAfter,
    };
  }

  /** A TLS server certificate for windc itself, used when no --tls-cert is configured. */
  async issueServerCertificate(params: {
    publicKey: x509.PublicKey | ArrayBuffer | Uint8Array;
    hostnames: string[];
    validityDays: number;
  }): Promise<IssuedCertificate> {
    const names = params.hostnames.map((h) =>
      /^[\d.]+$|:/.test(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
    );
    return this.issue({
      publicKey: params.publicKey,
      subject: `CN=${escapeDnValue(params.hostnames[0] ?? 'windc')}`,
      validityDays: params.validityDays,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([SERVER_AUTH], false),
        new x509.SubjectAlternativeNameExtension(names, false),
      ],
    });
  }

  private async issue(p: {
    publicKey: x509.PublicKey | ArrayBuffer | Uint8Array;
    subject: string;
    validityDays: number;
    now?: Date | undefined;
    extensions: x509.Extension[];
  }): Promise<IssuedCertificate> {
    const publicKey =
      p.publicKey instanceof x509.PublicKey ? p.publicKey : new x509.PublicKey(toArrayBuffer(p.publicKey));
    const now = (p.now ?? new Date()).getTime();
    const notBefore = new Date(now - BACKDATE_MS);
    const notAfter = new Date(now + p.validityDays * 86_400_000);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialHex(),
      subject: p.subject,
      issuer: this.cert.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: RSA_SHA256,
      extensions: [
        ...p.extensions,
        await x509.AuthorityKeyIdentifierExtension.create(this.cert, false),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
      ],
    });
    const der = new Uint8Array(cert.rawData);
    return {
      der,
      pem: cert.toString('pem'),
      serial: new X509Certificate(der).serialNumber.toUpperCase(),
      thumbprint: thumbprintOf(der),
      subject: cert.subject,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    };
  }
}

export function thumbprintOf(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('hex').toUpperCase();
}

/** 16 random bytes with the top bit cleared so the DER INTEGER stays positive without padding games. */
function serialHex(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return b.toString('hex');
}

function escapeDnValue(v: string): string {
  return v.replace(/[\\,+"<>;=#]/g, (c) => `\\${c}`).replace(/\0/g, '');
}

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

function toArrayBuffer(b: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (b instanceof ArrayBuffer) return b;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
