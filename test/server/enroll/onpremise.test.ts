import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSecurityHeader, parseSoapEnvelope } from '../../../src/protocol/mde2/index.ts';
import { type AuthDeps, authenticate } from '../../../src/server/enroll/auth/index.ts';
import { hashPassword, parseUsers, verifyPassword } from '../../../src/server/enroll/auth/users.ts';
import { EnrollmentFault } from '../../../src/server/enroll/faults.ts';
import { RateLimiter } from '../../../src/server/enroll/rate-limit.ts';
import {
  ensureInitialSecret,
  generateSecret,
  hashSecret,
  INITIAL_SECRET_NAME,
  normaliseSecret,
} from '../../../src/server/enroll/secrets.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { getPolicies } from './support.ts';

describe('enrollment secrets', () => {
  it('are 25 typeable characters in five groups, and compare ignoring case, dashes and spaces', () => {
    const s = generateSecret();
    assert.match(s, /^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
    assert.notEqual(generateSecret(), s);
    assert.equal(hashSecret(s.toLowerCase().replace(/-/g, ' ')), hashSecret(s));
    assert.equal(normaliseSecret(' ab-cd '), 'ABCD');
  });
});

describe('OnPremise users file', () => {
  const alice = hashPassword('correct horse');
  it('verifies scrypt hashes and refuses wrong passwords and unknown users', () => {
    assert.ok(verifyPassword('correct horse', alice));
    assert.ok(!verifyPassword('wrong', alice));
    const users = parseUsers(`# enrollment users\n\nAlice@Contoso.test:${alice}\n`);
    assert.equal(users.size, 1);
    assert.ok(users.verify('alice@contoso.test', 'correct horse'));
    assert.ok(!users.verify('alice@contoso.test', 'correct horse '));
    assert.ok(!users.verify('bob@contoso.test', 'correct horse'));
  });

  it('refuses a malformed line, a duplicate user and hostile scrypt parameters with the line number', () => {
    assert.throws(() => parseUsers('alice'), /line 1/);
    assert.throws(() => parseUsers(`a:${alice}\nA:${alice}`), /line 2: user a appears twice/);
    assert.throws(() => parseUsers('a:scrypt$1048576000$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAA=='), /line 1/);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then the sustained rate, per client', () => {
    const rl = new RateLimiter(2, 3);
    for (let i = 0; i < 3; i++) assert.ok(rl.take('a', 0).ok);
    const refused = rl.take('a', 0);
    assert.equal(refused.ok, false);
    assert.equal(refused.retryAfter, 1);
    assert.ok(rl.take('b', 0).ok, 'another client has its own bucket');
    assert.ok(rl.take('a', 500).ok, 'half a second refills one token at 2/s');
    assert.equal(rl.take('a', 500).ok, false);
  });

  it('forgets the least recently seen client when full', () => {
    const rl = new RateLimiter(1, 1, 2);
    assert.ok(rl.take('a', 0).ok);
    assert.ok(rl.take('b', 0).ok);
    assert.ok(rl.take('c', 0).ok);
    assert.ok(rl.take('a', 0).ok, 'a was evicted and starts with a full bucket');
  });
});

describe('OnPremise authentication', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windc-onprem-'));
  let store: Store;
  let deps: AuthDeps;
  before(async () => {
    store = await openStore({ dataDir: dir, env: {} });
    deps = {
      store,
      users: parseUsers(`alice@contoso.test:${hashPassword('correct horse')}`),
      federation: undefined,
      anchors: [],
      replay: store.usedOnce,
      now: Date.now,
    };
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (password: string, username = 'bob@contoso.test') =>
    parseSoapEnvelope(getPolicies(buildSecurityHeader({ usernameToken: { username, password } })));
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof EnrollmentFault, String(e));
      return `${e.subcode}/${e.code}`;
    }
    assert.fail('accepted');
  };

  it('creates one initial secret on a fresh install, readable only by the owner, and never again', async () => {
    const first = await ensureInitialSecret(store, dir);
    assert.ok(first.created);
    assert.equal(readFileSync(first.path, 'utf8').trim(), first.created);
    assert.equal(statSync(first.path).mode & 0o777, 0o600);
    assert.equal((await ensureInitialSecret(store, dir)).created, undefined);
    assert.equal(await store.secrets.revoke(INITIAL_SECRET_NAME), true);
    assert.equal((await ensureInitialSecret(store, dir)).created, undefined, 'a revoked secret stays revoked');
  });

  it('accepts an active secret (as typed, any user name) or a configured user, without counting a use', async () => {
    const secret = generateSecret();
    await store.secrets.create({ name: 'laptops', secretHash: hashSecret(secret) });
    const auth = await authenticate(request(secret.toLowerCase()), 'primary', deps);
    assert.equal(auth.policy, 'OnPremise');
    assert.equal(auth.principal, 'bob@contoso.test');
    assert.equal(auth.policy === 'OnPremise' && auth.secret?.name, 'laptops');
    assert.equal((await store.secrets.list()).find((s) => s.name === 'laptops')?.useCount, 0);
    const user = await authenticate(request('correct horse', 'Alice@Contoso.test'), 'primary', deps);
    assert.equal(user.policy === 'OnPremise' && user.user, 'Alice@Contoso.test');
  });

  it('refuses wrong, revoked or expired secrets, and OnPremise on the linked endpoints', async () => {
    assert.equal(await refusal(authenticate(request('nope'), 'primary', deps)), 'Authentication/BAD_CREDENTIALS');
    assert.equal(await refusal(authenticate(request(''), 'primary', deps)), 'Authentication/NO_PASSWORD');
    const secret = generateSecret();
    await store.secrets.create({ name: 'old', secretHash: hashSecret(secret), expiresAt: Date.now() - 1 });
    assert.equal(await refusal(authenticate(request(secret), 'primary', deps)), 'Authentication/BAD_CREDENTIALS');
    assert.equal(
      await refusal(authenticate(request('correct horse', 'alice@contoso.test'), 'linked', deps)),
      'Authentication/POLICY_NOT_ALLOWED',
    );
    const none = parseSoapEnvelope(getPolicies(''));
    assert.equal(await refusal(authenticate(none, 'primary', deps)), 'InvalidSecurity/NO_CREDENTIAL');
  });
});
