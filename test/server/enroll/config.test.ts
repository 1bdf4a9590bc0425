import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, resolveServerConfig } from '../../../src/server/config.ts';
import { ENTRA_ISSUERS, ENTRA_JWKS, parsePollSchedule } from '../../../src/server/enroll/config.ts';

const cfg = (argv: string[], env: NodeJS.ProcessEnv = {}) => resolveServerConfig(argv, env).enrollment;

describe('enrollment configuration', () => {
  it('has working defaults: secrets only, 365-day certificates, 15 min x8 then 8 h polls', () => {
    const c = cfg([]);
    assert.equal(c.providerId, 'windc');
    assert.equal(c.upnRequired, false);
    assert.equal(c.federation, undefined);
    assert.equal(c.certValidityDays, 365);
    assert.equal(c.certRenewDays, 60);
    assert.deepEqual(c.rateLimit, { perSecond: 50, burst: 100 });
    assert.deepEqual(c.poll, {
      intervalForFirstSetOfRetries: 15,
      numberOfFirstRetries: 8,
      intervalForSecondSetOfRetries: 480,
      numberOfSecondRetries: 0,
      intervalForRemainingScheduledRetries: 0,
      numberOfRemainingScheduledRetries: 0,
    });
  });

  it('enables Federated with a tenant list, defaulting to Entra keys and issuers and the public URL', () => {
    const c = cfg(['--tenants', 'AAAA, bbbb', '--public-url', 'https://mdm.example.com']);
    assert.deepEqual(c.federation, {
      jwks: ENTRA_JWKS,
      issuers: ENTRA_ISSUERS,
      audiences: ['https://mdm.example.com'],
      tenants: ['aaaa', 'bbbb'],
    });
  });

  it('takes every option from flags, environment or the config file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'windc-enroll-cfg-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'windc.json');
    writeFileSync(
      file,
      JSON.stringify({ upnRequired: true, 'poll-schedule': '10x6,60x10,1440', providerId: 'Contoso' }),
    );
    const c = cfg(['--config', file, '--cert-validity-days', '90', '--enroll-rate', '5/7'], {
      WINDC_TENANTS: 't1',
      WINDC_JWKS: 'http://127.0.0.1:9/keys',
      WINDC_TOKEN_ISSUER: 'https://issuer.test',
      WINDC_TOKEN_AUDIENCE: 'api://windc',
      WINDC_CERT_RENEW_DAYS: '30',
    });
    assert.equal(c.upnRequired, true);
    assert.equal(c.providerId, 'Contoso');
    assert.equal(c.certValidityDays, 90);
    assert.equal(c.certRenewDays, 30);
    assert.deepEqual(c.rateLimit, { perSecond: 5, burst: 7 });
    assert.equal(c.poll.intervalForSecondSetOfRetries, 60);
    assert.equal(c.poll.intervalForRemainingScheduledRetries, 1440);
    assert.deepEqual(c.federation?.issuers, ['https://issuer.test']);
    assert.deepEqual(c.federation?.audiences, ['api://windc']);
    assert.equal(cfg(['--upn-required']).upnRequired, true);
    assert.equal(cfg(['--enroll-rate', '0']).rateLimit, undefined);
  });

  it('refuses settings that would weaken or break enrollment, saying which', () => {
    const bad: Array<[string[], RegExp]> = [
      [['--jwks', 'keys.json'], /--tenants is required/],
      [['--token-audience', 'x'], /--tenants is required/],
      [['--tenants', 't', '--jwks', 'http://keys.example.com/jwks'], /loopback/],
      [['--cert-validity-days', '30', '--cert-renew-days', '30'], /less than/],
      [['--cert-validity-days', '0'], /cert-validity-days/],
      [['--poll-schedule', '0,0'], /poll-schedule/],
      [['--poll-schedule', '15,60x5'], /switched off/],
      [['--poll-schedule', 'often'], /poll-schedule/],
      [['--enroll-rate', 'fast'], /enroll-rate/],
      [['--provider-id', 'a/b'], /provider-id/],
      [['--sts-url', 'http://sts.test'], /sts-url/],
    ];
    for (const [argv, re] of bad) {
      assert.throws(
        () => resolveServerConfig(argv, {}),
        (e) => e instanceof ConfigError && re.test(e.message),
        argv.join(' '),
      );
    }
    assert.throws(() => resolveServerConfig([], { WINDC_UPN_REQUIRED: 'maybe' }), ConfigError);
  });

  it('parses poll schedules into the six DMClient values, and keeps seed 004 rules', () => {
    assert.deepEqual(parsePollSchedule('15x5,60x10,1440'), {
      intervalForFirstSetOfRetries: 15,
      numberOfFirstRetries: 5,
      intervalForSecondSetOfRetries: 60,
      numberOfSecondRetries: 10,
      intervalForRemainingScheduledRetries: 1440,
      numberOfRemainingScheduledRetries: 0,
    });
    // A lone endless set leaves all three counts 0, which seed 004 says fails the configuration.
    assert.throws(() => parsePollSchedule('480'), /all three retry counts are 0/);
  });
});
