/**
 * Who sent a management message, decided before anything in it is processed. Reads the store, never writes it
 * except the nonce a digest challenge hands out (which OMA DM requires be fresh on every challenge).
 *
 * - A client certificate (from TLS, or from a trusted proxy's header) must be windc-issued, recorded, not
 *   revoked, inside its validity period, and belong to an active enrollment whose DeviceID is the SyncHdr
 *   Source: a certificate of device A can never speak for device B. Any failure is 401 on the SyncHdr.
 * - Without a certificate, or always with `--digest-auth required`, the SyncHdr Cred must be the enrollment's
 *   MD5 digest (auth/digest.ts). Windows repeats its Cred in every message of a session (26200 captures), and
 *   SessionIDs are small counters anyone can guess, so every message is checked, not just the first.
 * - An MDM-Signature, when present or required, must verify over the body and be made with a certificate of
 *   the same enrollment.
 * An unenrolled or replaced enrollment is refused 401 like a revoked certificate: from the device's side its
 * credentials simply no longer work, and 403 is a command-level refusal in OMA DM, not an authentication one.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { type Chal, md5Challenge, StatusCode, type SyncHdr } from '../../../protocol/syncml/index.ts';
import type { Enrollment, SessionState, Store } from '../../../store/index.ts';
import type { ManagementConfig } from '../config.ts';
import { readSessionData } from '../engine/state.ts';
import { checkDigest, freshNonce } from './digest.ts';
import { peerAddress, proxyCertificate, thumbprintOf, tlsCertificate } from './peer.ts';
import { SIGNATURE_HEADER, verifyMessageSignature } from './signature.ts';

export interface AuthInput {
  socket: Socket;
  headers: IncomingHttpHeaders;
  /** The body as received, for the signature. */
  body: string;
  header: SyncHdr;
  /** The message opens a session (Alert 1200/1201 or MsgID 1), so no earlier nonce of the session counts. */
  opens: boolean;
}

export interface Authenticated {
  ok: true;
  enrollment: Enrollment;
  method: 'certificate' | 'digest';
  /** What the SyncHdr Status says: 200, or 212 with the next session's nonce when a digest was accepted now. */
  header: { code: number; chal?: Chal | undefined };
  /** Digest accepted on this message: the nonce it used, and the one to store for the next session. */
  digest?: { nonce: string; next?: string | undefined };
  /** The store's hint that commands are queued for the enrollment; undefined when it was not read. */
  queued?: boolean;
}

export interface Refused {
  ok: false;
  code: typeof StatusCode.INVALID_CREDENTIALS | typeof StatusCode.MISSING_CREDENTIALS;
  chal?: Chal | undefined;
  reason: string;
}

export type AuthResult = Authenticated | Refused;

export interface AuthDeps {
  store: Store;
  config: ManagementConfig;
  caCertPem: string;
  now: () => number;
}

const refuse = (reason: string, code: Refused['code'] = StatusCode.INVALID_CREDENTIALS, chal?: Chal): Refused => ({
  ok: false,
  code,
  chal,
  reason,
});

const caCache = new WeakMap<AuthDeps, X509Certificate>();
function caOf(deps: AuthDeps): X509Certificate {
  let ca = caCache.get(deps);
  if (!ca) {
    ca = new X509Certificate(deps.caCertPem);
    caCache.set(deps, ca);
  }
  return ca;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The certificate presented, if any: TLS first, then a trusted proxy's header. */
function presented(input: AuthInput, deps: AuthDeps) {
  const tls = tlsCertificate(input.socket);
  if (tls) return tls;
  const name = deps.config.trustedProxyHeader;
  const value = name ? headerValue(input.headers, name) : undefined;
  if (!value) return undefined;
  const peer = peerAddress(input.socket);
  if (!peer || !deps.config.trustedProxies.check(peer.address, peer.family)) {
    // Only a trusted hop may vouch for a certificate; from anyone else the header is noise, not evidence.
    return undefined;
  }
  return proxyCertificate(value, caOf(deps), deps.now());
}

function sameDevice(enrollment: Enrollment, header: SyncHdr): boolean {
  // DeviceIDs are hex or GUIDs, where case means nothing; identity stays the certificate's enrollment regardless.
  return enrollment.deviceId.toLowerCase() === header.source.locUri.toLowerCase();
}

async function byCertificate(
  thumbprint: string,
  input: AuthInput,
  deps: AuthDeps,
): Promise<{ enrollment: Enrollment; queued: boolean } | Refused> {
  const found = await deps.store.certificates.identify(thumbprint);
  if (!found) return refuse('client certificate is not one windc issued');
  const { certificate, enrollment } = found;
  const now = deps.now();
  if (certificate.revokedAt !== null) return refuse(`client certificate ${certificate.serial} is revoked`);
  if (now < certificate.notBefore || now > certificate.notAfter) {
    return refuse(`client certificate ${certificate.serial} is outside its validity period`);
  }
  if (!enrollment) return refuse(`client certificate ${certificate.serial} belongs to no enrollment`);
  if (enrollment.status !== 'active') return refuse(`enrollment ${enrollment.id} is ${enrollment.status}`);
  if (!sameDevice(enrollment, input.header)) {
    return refuse(
      `client certificate of DeviceID ${enrollment.deviceId} used for SyncHdr Source ${input.header.source.locUri}`,
    );
  }
  return { enrollment, queued: found.queued };
}

export async function authenticate(input: AuthInput, deps: AuthDeps): Promise<AuthResult> {
  const cert = presented(input, deps);
  let result: AuthResult;
  if (cert && !cert.ok) return refuse(cert.reason);
  if (cert) {
    const found = await byCertificate(cert.thumbprint, input, deps);
    if ('ok' in found) return found;
    result =
      deps.config.digestAuth === 'required'
        ? await byDigest(input, deps, [found.enrollment])
        : {
            ok: true,
            enrollment: found.enrollment,
            method: 'certificate',
            header: { code: StatusCode.OK },
            queued: found.queued,
          };
  } else if (deps.config.digestAuth === 'off') {
    return refuse('a client certificate issued by windc is required');
  } else {
    const candidates = await deps.store.devices.listEnrollments({
      deviceId: input.header.source.locUri,
      status: 'active',
    });
    result = await byDigest(input, deps, candidates);
  }
  if (!result.ok) return result;
  return checkSignature(input, deps, result);
}

async function checkSignature(input: AuthInput, deps: AuthDeps, ok: Authenticated): Promise<AuthResult> {
  const signature = headerValue(input.headers, SIGNATURE_HEADER);
  if (signature === undefined) {
    return deps.config.requireMessageSigning ? refuse('MDM-Signature is required and missing') : ok;
  }
  const check = await verifyMessageSignature(signature, Buffer.from(input.body, 'utf8'));
  if (!check.ok) return refuse(check.reason);
  const signer = new X509Certificate(check.signerDer);
  if (!signer.checkIssued(caOf(deps)) || !signer.verify(caOf(deps).publicKey)) {
    return refuse("MDM-Signature signer is not issued by windc's CA");
  }
  const signed = await byCertificate(thumbprintOf(signer.raw), input, deps);
  if ('ok' in signed) return refuse(`MDM-Signature: ${signed.reason}`);
  if (signed.enrollment.id !== ok.enrollment.id) return refuse('MDM-Signature signer belongs to another enrollment');
  return ok;
}

/**
 * MD5 digest for the enrollments a DeviceID may mean (a device can hold windc's primary and linked
 * enrollments at once; the Cred's user name tells them apart).
 */
async function byDigest(input: AuthInput, deps: AuthDeps, candidates: Enrollment[]): Promise<AuthResult> {
  const { store } = deps;
  const entries = await Promise.all(
    candidates.map(async (enrollment) => ({
      enrollment,
      creds: await store.deviceCredentials.get(enrollment.id),
      session: await store.sessions.get(enrollment.id),
    })),
  );
  const usable = entries.filter((e) => e.creds !== undefined);
  const challenge = async (code: Refused['code'], reason: string): Promise<Refused> => {
    // A DeviceID windc does not know gets the same answer, with a nonce nobody can use.
    const nonce = freshNonce();
    for (const e of usable) await store.sessions.setNonce(e.enrollment.id, nonce);
    return refuse(reason, code, md5Challenge(nonce));
  };
  const cred = input.header.cred;
  if (!cred) return challenge(StatusCode.MISSING_CREDENTIALS, 'no Cred in the SyncHdr');
  const locName = input.header.source.locName;
  const picked =
    usable.find((e) => e.creds!.deviceName === locName) ?? (usable.length === 1 && !locName ? usable[0] : undefined);
  if (!picked) return challenge(StatusCode.INVALID_CREDENTIALS, `no enrollment of this DeviceID has user '${locName}'`);
  const verdict = checkDigest(
    cred,
    locName,
    picked.creds!,
    noncesFor(picked.session, picked.creds!.deviceNonce, input),
  );
  if (verdict.kind !== 'ok') {
    return challenge(StatusCode.INVALID_CREDENTIALS, verdict.kind === 'bad' ? verdict.reason : 'no Cred');
  }
  const continuing =
    !input.opens && picked.session?.authenticated === true && picked.session.sessionId === input.header.sessionId;
  if (continuing) {
    return {
      ok: true,
      enrollment: picked.enrollment,
      method: 'digest',
      header: { code: StatusCode.OK },
      digest: { nonce: verdict.nonce },
    };
  }
  const next = freshNonce();
  return {
    ok: true,
    enrollment: picked.enrollment,
    method: 'digest',
    header: { code: StatusCode.AUTHENTICATION_ACCEPTED, chal: md5Challenge(next) },
    digest: { nonce: verdict.nonce, next },
  };
}

/**
 * The nonces a Cred may be computed with: the stored one (or the initial AAUTHDATA before any was stored), and,
 * within a session already authenticated, the one it authenticated with, since the 212 handed out the next
 * session's nonce meanwhile.
 */
function noncesFor(session: SessionState | undefined, initial: string, input: AuthInput): string[] {
  const out = [session?.nonce ?? initial];
  if (!input.opens && session?.authenticated && session.sessionId === input.header.sessionId) {
    const authNonce = readSessionData(session.data).state.authNonce;
    if (authNonce !== undefined && authNonce !== out[0]) out.push(authNonce);
  }
  return out;
}
