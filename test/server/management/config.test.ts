import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, resolveServerConfig } from '../../../src/server/config.ts';

const resolve = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  resolveServerConfig(['--public-url', 'https://mdm.example.test', ...argv], env).management;

describe('management options', () => {
  it('defaults: digest as a fallback, no proxy, MaxMsgSize = --max-body, no debug ring', () => {
    const m = resolve([]);
    assert.equal(m.digestAuth, 'fallback');
    assert.equal(m.trustedProxyHeader, undefined);
    assert.deepEqual(m.trustedProxyCidrs, []);
    assert.equal(m.requireMessageSigning, false);
    assert.equal(m.maxMsgSize, 2 * 1024 * 1024);
    assert.equal(m.maxObjSize, 4 * 1024 * 1024);
    assert.equal(m.deviceMaxMsgSize, 512 * 1024);
    assert.deepEqual([m.maxInFlight, m.maxSessions, m.retryAfterSeconds, m.debugRing], [1024, 0, 60, 0]);
  });

  it('takes flags and environment variables', () => {
    const m = resolve(
      ['--digest-auth', 'required', '--trusted-proxy-header', 'X-SSL-Client-Cert', '--require-message-signing'],
      { WINDC_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,fd00::/8', WINDC_MAX_SESSIONS: '5000', WINDC_DEBUG_RING: '50' },
    );
    assert.equal(m.digestAuth, 'required');
    assert.equal(m.trustedProxyHeader, 'x-ssl-client-cert', 'header names are case-insensitive');
    assert.deepEqual(m.trustedProxyCidrs, ['10.0.0.0/8', '192.168.1.7/32', 'fd00::/8']);
    assert.equal(m.trustedProxies.check('10.1.2.3', 'ipv4'), true);
    assert.equal(m.trustedProxies.check('192.168.1.8', 'ipv4'), false);
    assert.equal(m.requireMessageSigning, true);
    assert.equal(m.maxSessions, 5000);
    assert.equal(m.debugRing, 50);
  });

  it('refuses values that cannot work, saying which option is wrong', () => {
    const cases: [string[], RegExp][] = [
      [['--digest-auth', 'sometimes'], /--digest-auth must be fallback, required or off/],
      [['--trusted-proxy-header', 'x-cert'], /--trusted-proxy-header needs --trusted-proxies/],
      [['--trusted-proxy-header', 'bad header', '--trusted-proxies', '10.0.0.1'], /not an HTTP header name/],
      [['--trusted-proxies', '10.0.0.0/33'], /--trusted-proxies: '10.0.0.0\/33' is not/],
      [['--trusted-proxies', 'localhost'], /is not an IPv4 or IPv6 address/],
      [['--max-msg-size', '3000000'], /--max-msg-size must be a whole number in 4096..2097152/],
      [['--max-inflight=-1'], /--max-inflight/],
      [['--retry-after', '0'], /--retry-after/],
      [['--debug-ring', 'lots'], /--debug-ring/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => resolve(argv),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
        argv.join(' '),
      );
    }
  });
});
