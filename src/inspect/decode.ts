/**
 * `windc inspect`'s decoder: recognises what a trace line holds and decodes it with the protocol codecs, nested
 * payloads included (WinDC documents inside SyncML Data, the provisioning document inside an RSTR). A payload that
 * fails to decode is reported where it sits instead of failing the whole input, because a trace is read to find
 * exactly such defects.
 */

import { X509Certificate } from 'node:crypto';
import * as declared from '../protocol/declared/index.ts';
import * as discovery from '../protocol/discovery/index.ts';
import { ProtocolError } from '../protocol/errors.ts';
import * as mde2 from '../protocol/mde2/index.ts';
import * as syncml from '../protocol/syncml/index.ts';
import { parseXml } from '../protocol/xml/index.ts';

export interface DecodeFailure {
  code: string;
  message: string;
  line?: number;
  column?: number;
}

export type Embedded =
  | { kind: 'declared-document'; document: declared.DeclaredConfigurationDocument; checksum: string }
  | { kind: 'declared-result'; result: declared.DeclaredConfigurationResult }
  | { kind: 'declared-summary'; summary: declared.DeclaredConfigurationsSummary }
  | { kind: 'invalid'; what: string; error: DecodeFailure };

/** What one SyncML Item means beyond its raw fields. */
export interface ItemNotes {
  /** Path of the command within the body: `[3]` or `[2].commands[0]`, then the item index. */
  at: string;
  locUri?: { meaning: string } | { error: DecodeFailure };
  embedded?: Embedded;
}

export type Decoded =
  | {
      kind: 'syncml';
      message: syncml.SyncMLMessage | syncml.SyncMLFragment;
      /** True when the input is a documentation fragment without a usable SyncHdr. */
      fragment: boolean;
      notes: ItemNotes[];
    }
  | Embedded
  | { kind: 'instance-blob'; blob: declared.InstanceBlob }
  | { kind: 'soap'; operation: string; action?: string; relatesTo?: string; body: unknown; embedded?: Decoded }
  | { kind: 'provisioning'; mdm: mde2.MdmProvisioning; certificates: CertificateSummary[]; problems: string[] }
  | { kind: 'csr'; csr: CsrSummary }
  | { kind: 'windc-discovery-request'; request: discovery.WinDcDiscoveryRequest; policy: unknown }
  | { kind: 'windc-discovery-response'; response: discovery.WinDcDiscoveryAnswer }
  | { kind: 'http'; startLine: string; headers: Array<[string, string]>; body?: Decoded };

export interface CertificateSummary {
  role: 'root' | 'intermediate' | 'client';
  thumbprint: string;
  subject?: string;
  issuer?: string;
  notAfter?: string;
  /** Set when EncodedCertificate is not a certificate, or its SHA-1 differs from the thumbprint it is filed under. */
  problem?: string;
}

export interface CsrSummary {
  subject: string;
  windowsIdentity?: { guidPrefix: string; deviceId: string };
  deviceIdExtension?: string;
  publicKey: string;
  signatureAlgorithm: string;
  signatureValid: boolean;
}

export function failure(e: unknown): DecodeFailure {
  if (e instanceof ProtocolError) {
    return {
      code: e.code,
      message: e.message,
      ...(e.position ? { line: e.position.line, column: e.position.column } : {}),
    };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Decodes one input. Throws a ProtocolError only when the input as a whole is unreadable. */
export async function decodeInput(raw: string): Promise<Decoded> {
  const text = raw.replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (/^(POST|GET|PUT|HTTP\/1\.[01]) /.test(start)) return decodeHttp(start);
  if (start.startsWith('-----BEGIN')) return decodeCsr(start);
  if (start.startsWith('{')) return decodeJson(start);
  if (start.startsWith('<')) return decodeXml(start);
  if (/^[A-Za-z0-9+/=\s]+$/.test(start) && start.length > 100) return decodeCsr(start.replace(/\s+/g, ''));
  throw new ProtocolError('INPUT_UNRECOGNISED', 'expected XML, JSON, an HTTP message, a PEM CSR or base64 DER');
}

async function decodeHttp(text: string): Promise<Decoded> {
  const norm = text.replace(/\r\n/g, '\n');
  const split = norm.indexOf('\n\n');
  const head = split < 0 ? norm : norm.slice(0, split);
  const bodyText = split < 0 ? '' : norm.slice(split + 2);
  const [startLine = '', ...lines] = head.split('\n');
  const headers: Array<[string, string]> = [];
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers.push([l.slice(0, i).trim(), l.slice(i + 1).trim()]);
  }
  const out: Decoded = { kind: 'http', startLine, headers };
  if (bodyText.trim() !== '') out.body = await decodeInput(bodyText);
  return out;
}

function decodeJson(text: string): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError('INPUT_UNRECOGNISED', `not JSON: ${(e as Error).message}`);
  }
  const keys = value && typeof value === 'object' ? Object.keys(value).map((k) => k.toLowerCase()) : [];
  if (keys.includes('enrollmentserviceurl') || keys.includes('errorcode') || keys.includes('authpolicy')) {
    return { kind: 'windc-discovery-response', response: discovery.readWinDcDiscoveryResponse(text) };
  }
  const request = discovery.validateWinDcDiscoveryRequest(value);
  return { kind: 'windc-discovery-request', request, policy: discovery.resolveWinDcAuthPolicy(request) };
}

async function decodeXml(text: string): Promise<Decoded> {
  // The root decides which codec reads the input; the codec then parses it again under its own limits.
  const root = parseXml(text).root.local;
  switch (root) {
    case 'SyncML':
      return decodeSyncML(text);
    case 'DeclaredConfiguration':
      return decodeDeclared(text);
    case 'DeclaredConfigurationResult':
    case 'DeclaredConfigurations':
      return decodeDeclared(text);
    case 'InstanceBlob':
      return { kind: 'instance-blob', blob: declared.parseInstanceBlob(text) };
    case 'Envelope':
      return decodeSoap(text);
    case 'wap-provisioningdoc':
      return decodeProvisioning(text);
    default:
      throw new ProtocolError('INPUT_UNRECOGNISED', `no decoder for a <${root}> document`);
  }
}

/** Decodes text that should be a WinDC document, result or summary, never throwing. */
export function decodeDeclared(text: string): Embedded {
  const t = text.trimStart();
  const root = t.replace(XML_DECL, '').trimStart();
  const what = /^<DeclaredConfigurationResult\b/.test(root)
    ? 'result'
    : /^<DeclaredConfigurations\b/.test(root)
      ? 'summary'
      : 'document';
  try {
    if (what === 'result') return { kind: 'declared-result', result: declared.parseResult(t) };
    if (what === 'summary') return { kind: 'declared-summary', summary: declared.parseSummary(t) };
    const document = declared.parseDocument(t);
    return { kind: 'declared-document', document, checksum: declared.documentChecksum(document) };
  } catch (e) {
    return { kind: 'invalid', what: `DeclaredConfiguration ${what}`, error: failure(e) };
  }
}

const XML_DECL = /^\s*<\?xml[^?]*\?>/;

function looksDeclared(data: string): boolean {
  return /^\s*<DeclaredConfiguration(s|Result)?\b/.test(data.replace(XML_DECL, ''));
}

function decodeSyncML(text: string): Decoded {
  let message: syncml.SyncMLMessage | syncml.SyncMLFragment;
  let fragment = false;
  try {
    message = syncml.parseSyncML(text);
  } catch (e) {
    // Microsoft's examples are fragments without a SyncHdr: still worth reading, flagged as such.
    if (!(e instanceof ProtocolError)) throw e;
    try {
      message = syncml.parseSyncMLFragment(text);
    } catch {
      throw e;
    }
    if (message.header && message.namespace) throw e;
    fragment = true;
  }
  const notes: ItemNotes[] = [];
  walkCommands(message.commands, '', notes);
  return { kind: 'syncml', message, fragment, notes };
}

function walkCommands(commands: readonly syncml.SyncMLCommand[], prefix: string, notes: ItemNotes[]): void {
  commands.forEach((cmd, i) => {
    const at = `${prefix}[${i}]`;
    if (cmd.kind === 'Atomic' || cmd.kind === 'Sequence') {
      walkCommands(cmd.commands, `${at}.commands`, notes);
      return;
    }
    cmd.items.forEach((item, j) => {
      const note: ItemNotes = { at: `${at}.items[${j}]` };
      const uri = item.target?.locUri ?? item.source?.locUri;
      if (uri && /\/DeclaredConfiguration\//i.test(uri)) {
        try {
          note.locUri = { meaning: describeDeclaredLocUri(declared.parseDeclaredLocUri(uri)) };
        } catch (e) {
          note.locUri = { error: failure(e) };
        }
      }
      if (item.data !== undefined && looksDeclared(item.data)) {
        note.embedded = decodeDeclared(item.data);
        if (note.embedded.kind === 'declared-document' && uri) {
          try {
            declared.validateDocumentTarget(note.embedded.document, uri);
          } catch (e) {
            note.embedded = { kind: 'invalid', what: 'document for this LocURI', error: failure(e) };
          }
        }
      }
      if (note.locUri || note.embedded) notes.push(note);
    });
  });
}

function describeDeclaredLocUri(t: declared.DeclaredLocUri): string {
  switch (t.node) {
    case 'document':
      return `${t.scope} ${t.host} document ${t.docId}`;
    case 'result':
      return `${t.scope} ${t.host} result of document ${t.docId}`;
    default:
      return `${t.scope} ${t.node}${'docId' in t ? ` of document ${t.docId}` : ''}${'setting' in t ? ` ${t.setting}` : ''}`;
  }
}

async function decodeSoap(text: string): Promise<Decoded> {
  const env = mde2.parseSoapEnvelope(text);
  const base = { kind: 'soap' as const, action: env.addressing.action, relatesTo: env.addressing.relatesTo };
  const fault = mde2.readSoapFault(env);
  if (fault) return { ...base, operation: 'Fault', body: fault };
  switch (env.payload.local) {
    case 'Discover':
      return { ...base, operation: 'Discover', body: mde2.readDiscoverRequest(env) };
    case 'DiscoverResponse':
      return { ...base, operation: 'DiscoverResponse', body: mde2.readDiscoverResponse(env) };
    case 'GetPolicies':
      return { ...base, operation: 'GetPolicies', body: mde2.readGetPoliciesRequest(env) };
    case 'GetPoliciesResponse':
      return { ...base, operation: 'GetPoliciesResponse', body: mde2.readGetPoliciesResponse(env) };
    case 'RequestSecurityToken': {
      const rst = mde2.readRequestSecurityToken(env);
      const out: Decoded = {
        ...base,
        operation: 'RequestSecurityToken',
        body: { ...rst, request: { format: rst.request.format, bytes: rst.request.der.length } },
      };
      if (rst.request.format === 'PKCS10') out.embedded = await decodeCsr(rst.request.der);
      return out;
    }
    case 'RequestSecurityTokenResponseCollection': {
      const rstr = mde2.readRequestSecurityTokenResponse(env);
      return {
        ...base,
        operation: 'RequestSecurityTokenResponse',
        body: { ...rstr, provisioningDoc: `${rstr.provisioningDoc.length} characters` },
        embedded: decodeProvisioning(rstr.provisioningDoc),
      };
    }
    default:
      throw new ProtocolError('INPUT_UNRECOGNISED', `no decoder for SOAP body <${env.payload.name}>`);
  }
}

function decodeProvisioning(text: string): Decoded {
  const mdm = mde2.readMdmProvisioning(mde2.parseProvisioningDoc(text));
  const certificates = [
    ...mdm.rootCertificates.map((c) => summariseCertificate('root', c)),
    ...mdm.intermediateCertificates.map((c) => summariseCertificate('intermediate', c)),
    ...(mdm.clientCertificate ? [summariseCertificate('client', mdm.clientCertificate)] : []),
  ];
  return { kind: 'provisioning', mdm, certificates, problems: mde2.mdmProvisioningProblems(mdm) };
}

function summariseCertificate(role: CertificateSummary['role'], c: mde2.ProvisionedCertificate): CertificateSummary {
  const out: CertificateSummary = { role, thumbprint: c.thumbprint };
  try {
    const der = Buffer.from(c.encoded, 'base64');
    const cert = new X509Certificate(der);
    out.subject = cert.subject.replace(/\n/g, ', ');
    out.issuer = cert.issuer.replace(/\n/g, ', ');
    out.notAfter = new Date(cert.validTo).toISOString();
    if (mde2.certificateThumbprint(der) !== c.thumbprint.toUpperCase()) {
      out.problem = `SHA-1 of the certificate is ${mde2.certificateThumbprint(der)}, not the thumbprint it is filed under`;
    }
  } catch (e) {
    out.problem = `EncodedCertificate is not a certificate: ${(e as Error).message}`;
  }
  return out;
}

const OID_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  [mde2.OID.sha1WithRsaOiw]: 'sha1WithRSA (OIW 1.3.14.3.2.29)',
  [mde2.OID.sha1WithRsa]: 'sha1WithRSAEncryption',
  [mde2.OID.sha256WithRsa]: 'sha256WithRSAEncryption',
  [mde2.OID.sha384WithRsa]: 'sha384WithRSAEncryption',
  [mde2.OID.sha512WithRsa]: 'sha512WithRSAEncryption',
  [mde2.OID.ecdsaWithSha256]: 'ecdsa-with-SHA256',
  [mde2.OID.ecdsaWithSha384]: 'ecdsa-with-SHA384',
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
};

async function decodeCsr(input: string | Uint8Array): Promise<Decoded> {
  const csr = mde2.decodeCsr(input);
  const key = csr.publicKey;
  const summary: CsrSummary = {
    // JSON.stringify shows the NUL Windows appends to the CN as \u0000 instead of hiding it.
    subject: csr.subject.map((a) => `${OID_NAMES[a.oid] ?? a.oid}=${JSON.stringify(a.value).slice(1, -1)}`).join(', '),
    publicKey: key.rsa
      ? `RSA ${key.rsa.modulusBits} bits, e=${key.rsa.publicExponent}`
      : `EC ${OID_NAMES[key.ecCurveOid ?? ''] ?? key.ecCurveOid ?? key.algorithmOid}`,
    signatureAlgorithm: OID_NAMES[csr.signatureAlgorithmOid] ?? csr.signatureAlgorithmOid,
    signatureValid: await mde2.verifyCsrSignature(csr),
  };
  if (csr.windowsIdentity) summary.windowsIdentity = csr.windowsIdentity;
  if (csr.deviceIdExtension !== undefined) summary.deviceIdExtension = csr.deviceIdExtension;
  return { kind: 'csr', csr: summary };
}
