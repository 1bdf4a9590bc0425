import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerContext } from '../context.ts';
import type { AuthDeps } from './auth/index.ts';
import { JwksSource, parseJwks } from './auth/jwks.ts';
import { loadUsers } from './auth/users.ts';
import type { TrustAnchor } from './auth/xmldsig.ts';
import type { EnrollmentConfig } from './config.ts';
import { type EnrollmentUrls, enrollmentUrls } from './urls.ts';

/**
 * Everything the enrollment handlers share, built once at start: the auth dependencies (key set cache, users
 * file, trust anchors) and the URLs devices are sent to. Files named in the configuration are read here, so a
 * missing parent CA or a malformed users file stops `windc serve` instead of failing the first device.
 */
export interface EnrollmentService {
  ctx: ServerContext;
  config: EnrollmentConfig;
  auth: AuthDeps;
  urls: EnrollmentUrls;
  caDer: Uint8Array;
}

export function createEnrollmentService(ctx: ServerContext): EnrollmentService {
  const config = ctx.config.enrollment;
  const own: TrustAnchor = { certificate: new X509Certificate(ctx.ca.certPem), kind: 'windc' };
  const anchors: TrustAnchor[] = [own, ...config.parentCaFiles.flatMap(readAnchors)];
  const fed = config.federation;
  let federation: AuthDeps['federation'];
  if (fed) {
    // A key set on disk is read now, so a wrong path stops the server rather than the first device.
    if (!/^https?:\/\//i.test(fed.jwks) && parseJwks(readFileSync(fed.jwks, 'utf8')).length === 0) {
      throw new Error(`--jwks ${fed.jwks} holds no RSA or EC signature key`);
    }
    const jwks = new JwksSource(fed.jwks, {
      onStale: (err) => ctx.log.warn({ err, jwks: fed.jwks }, 'token key set refresh failed; using the cached keys'),
    });
    federation = {
      keys: (header) => jwks.keysFor(header),
      policy: { issuers: fed.issuers, audiences: fed.audiences, tenants: fed.tenants },
    };
  }
  return {
    ctx,
    config,
    auth: {
      store: ctx.store,
      users: loadUsers(config.usersFile),
      federation,
      anchors,
      replay: ctx.store.usedOnce,
      now: ctx.now,
    },
    urls: enrollmentUrls(ctx.config.publicUrl, config.stsUrl),
    caDer: new Uint8Array(new X509Certificate(ctx.ca.certPem).raw),
  };
}

/** Every certificate in a PEM bundle; each must be a CA, or trusting it would let any cert it names through. */
function readAnchors(path: string): TrustAnchor[] {
  const text = readFileSync(path, 'utf8');
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new Error(`--parent-ca ${path} holds no PEM certificate`);
  return pems.map((pem) => {
    const certificate = new X509Certificate(pem);
    if (!certificate.ca) throw new Error(`--parent-ca ${path}: ${certificate.subject} is not a CA certificate`);
    return { certificate, kind: 'parent' as const };
  });
}
