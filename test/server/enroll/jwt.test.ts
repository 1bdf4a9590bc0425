import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JwksSource, parseJwks } from '../../../src/server/enroll/auth/jwks.ts';
import { JwtError, type JwtFailure, type JwtPolicy, verifyJwt } from '../../../src/server/enroll/auth/jwt.ts';
import { TestIssuer } from './support.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const NOW = 1_800_000_000_000;
const policy: JwtPolicy = {
  issuers: ['https://sts.windows.net/{tenantid}/', 'https://issuer.windc.test'],
  audiences: ['https://windc.test'],
  tenants: [TENANT],
  now: NOW,
};
const good = {
  iss: `https://sts.windows.net/${TENANT}/`,
  aud: 'https://windc.test',
  tid: TENANT,
  upn: 'alice@contoso.test',
  deviceid: 'b2c1a9f0-0000-4000-8000-000000000001',
  exp: NOW / 1000 + 3600,
  nbf: NOW / 1000 - 60,
};

const issuer = new TestIssuer();
const keysOf = (jwks: string) => {
  const keys = parseJwks(jwks);
  return async (h: { kid?: string }) => keys.filter((k) => !h.kid || k.jwk.kid === h.kid).map((k) => k.key);
};
const lookup = keysOf(issuer.jwks);

async function failure(token: string, p: JwtPolicy = policy, keys = lookup): Promise<JwtFailure> {
  try {
    await verifyJwt(token, keys, p);
  } catch (e) {
    assert.ok(e instanceof JwtError, String(e));
    return e.reason;
  }
  assert.fail('token was accepted');
}

describe('JWT verification for the Federated policy', () => {
  it('accepts a token signed by the key set with every claim in policy', async () => {
    const v = await verifyJwt(issuer.token(good), lookup, policy);
    assert.equal(v.tenantId, TENANT);
    assert.equal(v.claims.upn, 'alice@contoso.test');
    const plain = await verifyJwt(issuer.token({ ...good, iss: 'https://issuer.windc.test' }), lookup, policy);
    assert.equal(plain.issuer, 'https://issuer.windc.test');
    const arrayAud = await verifyJwt(issuer.token({ ...good, aud: ['x', 'https://windc.test'] }), lookup, policy);
    assert.equal(arrayAud.tenantId, TENANT);
  });

  it('refuses a token signed by any other key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.equal(await failure(issuer.token(good, {}, other)), 'signature');
  });

  it('refuses a wrong issuer, including another tenant in the issuer template', async () => {
    assert.equal(await failure(issuer.token({ ...good, iss: 'https://evil.test/' })), 'issuer');
    const otherTenant = '00000000-0000-0000-0000-000000000001';
    assert.equal(await failure(issuer.token({ ...good, iss: `https://sts.windows.net/${otherTenant}/` })), 'issuer');
    assert.equal(await failure(issuer.token({ ...good, iss: undefined })), 'issuer');
  });

  it('refuses a wrong or missing audience', async () => {
    assert.equal(await failure(issuer.token({ ...good, aud: 'https://other.test' })), 'audience');
    assert.equal(await failure(issuer.token({ ...good, aud: undefined })), 'audience');
  });

  it('refuses a tenant outside the allow-list even with a matching issuer (CVE-2026-24899)', async () => {
    const tid = '00000000-0000-0000-0000-000000000002';
    assert.equal(await failure(issuer.token({ ...good, tid, iss: 'https://issuer.windc.test' })), 'tenant');
    assert.equal(await failure(issuer.token({ ...good, tid: undefined, iss: 'https://issuer.windc.test' })), 'tenant');
  });

  it('refuses expired and not-yet-valid tokens beyond five minutes of skew', async () => {
    assert.equal(await failure(issuer.token({ ...good, exp: NOW / 1000 - 301 })), 'expired');
    await verifyJwt(issuer.token({ ...good, exp: NOW / 1000 - 200 }), lookup, policy);
    assert.equal(await failure(issuer.token({ ...good, nbf: NOW / 1000 + 301 })), 'not-yet-valid');
    assert.equal(await failure(issuer.token({ ...good, exp: undefined })), 'malformed');
    assert.equal(await failure(issuer.token({ ...good, exp: '9999999999' })), 'malformed');
  });

  it('refuses alg none, HMAC (even keyed with the public key) and unknown kids', async () => {
    const c = issuer.token(good).split('.')[1];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: issuer.kid })).toString('base64url')}.${c}.`;
    assert.equal(await failure(none), 'malformed');
    // The classic confusion attack: an HMAC keyed with the issuer's public key, which the attacker knows.
    const hsHeader = Buffer.from(JSON.stringify({ alg: 'HS256', kid: issuer.kid })).toString('base64url');
    const publicPem = createPublicKey(issuer.privateKey).export({ format: 'pem', type: 'spki' });
    const mac = createHmac('sha256', publicPem).update(`${hsHeader}.${c}`).digest('base64url');
    assert.equal(await failure(`${hsHeader}.${c}.${mac}`), 'algorithm');
    assert.equal(await failure(issuer.token(good, { kid: 'unknown' })), 'key');
  });

  it('refuses tokens that are not three base64url segments', async () => {
    for (const t of ['', 'a.b', 'a.b.c.d.e', '***.***.***', `${'x'.repeat(20_000)}.a.b`]) {
      assert.equal(await failure(t), 'malformed', t.slice(0, 20));
    }
  });

  it('verifies ES256 and PS256 tokens, and refuses an RSA key under 2048 bits', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwks = JSON.stringify({
      keys: [
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec' },
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'pss' },
        { ...small.publicKey.export({ format: 'jwk' }), kid: 'small' },
      ],
    });
    const token = (alg: string, kid: string, key: KeyObject, opts: object = {}) => {
      const h = Buffer.from(JSON.stringify({ alg, kid })).toString('base64url');
      const c = Buffer.from(JSON.stringify(good)).toString('base64url');
      return `${h}.${c}.${sign('sha256', Buffer.from(`${h}.${c}`), { key, ...opts }).toString('base64url')}`;
    };
    const keys = keysOf(jwks);
    await verifyJwt(token('ES256', 'ec', ec.privateKey, { dsaEncoding: 'ieee-p1363' }), keys, policy);
    await verifyJwt(token('PS256', 'pss', rsa.privateKey, { padding: 6, saltLength: 32 }), keys, policy);
    assert.equal(await failure(token('RS256', 'small', small.privateKey), policy, keys), 'key');
  });
});

describe('JWKS source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windc-jwks-'));
  let server: Server;
  let served = issuer.jwks;
  let hits = 0;
  let fail = false;
  let url = '';
  before(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      if (fail) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(served);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/keys`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a key set from a file, ignoring symmetric and encryption keys', async () => {
    const path = join(dir, 'jwks.json');
    const jwks = JSON.parse(issuer.jwks);
    jwks.keys.push({ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, { ...jwks.keys[0], kid: 'enc', use: 'enc' });
    writeFileSync(path, JSON.stringify(jwks));
    const src = new JwksSource(path);
    assert.equal((await src.keysFor({ alg: 'RS256', kid: issuer.kid })).length, 1);
    assert.equal((await src.keysFor({ alg: 'HS256', kid: 'hmac' })).length, 0);
    assert.equal((await src.keysFor({ alg: 'RS256', kid: 'enc' })).length, 0);
    assert.equal((await src.keysFor({ alg: 'ES256', kid: issuer.kid })).length, 0, 'the key is marked RS256');
  });

  it('caches a URL key set, refetches early for an unknown kid at most every 30 s, and rotates', async () => {
    let now = 0;
    hits = 0;
    const src = new JwksSource(url, { now: () => now });
    assert.equal((await src.keysFor({ alg: 'RS256', kid: issuer.kid })).length, 1);
    assert.equal((await src.keysFor({ alg: 'RS256', kid: issuer.kid })).length, 1);
    assert.equal(hits, 1, 'cached');
    const rotated = new TestIssuer();
    served = rotated.jwks;
    now += 1000;
    assert.equal((await src.keysFor({ alg: 'RS256', kid: rotated.kid })).length, 0, 'within 30 s of the last fetch');
    assert.equal(hits, 1);
    now += 30_000;
    assert.equal((await src.keysFor({ alg: 'RS256', kid: rotated.kid })).length, 1, 'new kid fetched');
    assert.equal(hits, 2);
    now += 10 * 60_000;
    await src.keysFor({ alg: 'RS256', kid: rotated.kid });
    assert.equal(hits, 3, 'refreshed after the TTL');
    served = issuer.jwks;
  });

  it('serves stale keys through an outage, then fails once they are too old', async () => {
    let now = 0;
    const stale: Error[] = [];
    const src = new JwksSource(url, { now: () => now, onStale: (e) => stale.push(e) });
    await src.keysFor({ alg: 'RS256', kid: issuer.kid });
    fail = true;
    try {
      now += 11 * 60_000;
      assert.equal((await src.keysFor({ alg: 'RS256', kid: issuer.kid })).length, 1);
      assert.equal(stale.length, 1);
      now += 25 * 3_600_000;
      await assert.rejects(src.keysFor({ alg: 'RS256', kid: issuer.kid }), /cannot load the token key set/);
    } finally {
      fail = false;
    }
  });
});
