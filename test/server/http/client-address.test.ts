import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { describe, it } from 'node:test';
import { clientAddress } from '../../../src/server/http/client-address.ts';

describe('the client behind a request', () => {
  const trusted = new BlockList();
  trusted.addSubnet('10.0.0.0', 8, 'ipv4');
  trusted.addAddress('::1', 'ipv6');

  it('is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For claims', () => {
    assert.equal(clientAddress('203.0.113.9', '198.51.100.1', trusted), '203.0.113.9');
    assert.equal(clientAddress('::ffff:203.0.113.9', undefined, trusted), '203.0.113.9');
  });

  it('is the right-most untrusted hop behind trusted proxies', () => {
    assert.equal(clientAddress('10.1.2.3', '198.51.100.1', trusted), '198.51.100.1');
    assert.equal(clientAddress('::ffff:10.1.2.3', '192.0.2.66, 198.51.100.1, 10.9.9.9', trusted), '198.51.100.1');
    assert.equal(clientAddress('::1', ['192.0.2.66', '2001:db8::7'], trusted), '2001:db8::7');
  });

  it('stops at a malformed hop, and falls back on the proxy when nothing usable was forwarded', () => {
    assert.equal(clientAddress('10.1.2.3', 'unknown, 10.2.2.2', trusted), '10.2.2.2');
    assert.equal(clientAddress('10.1.2.3', '', trusted), '10.1.2.3');
    assert.equal(clientAddress('10.1.2.3', undefined, trusted), '10.1.2.3');
    assert.equal(clientAddress('10.1.2.3', '10.4.4.4, 10.5.5.5', trusted), '10.4.4.4', 'all trusted: the farthest');
  });
});
