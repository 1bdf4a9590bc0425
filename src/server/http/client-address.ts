/**
 * Whom a request comes from, for per-client limits. Behind a load balancer every request arrives from the
 * balancer, so a limit keyed on the socket's peer would throttle the whole fleet as one client. When the peer
 * is a trusted proxy (`--trusted-proxies`), the client is the right-most `X-Forwarded-For` address that is not
 * itself a trusted proxy: each proxy appends the address it received from, so anything to the left of the
 * first untrusted hop was written by the client and proves nothing.
 */
import { type BlockList, isIP } from 'node:net';

export function normalizeAddress(a: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const s = a.trim().replace(/^\[|\]$/g, '');
  // IPv4 peers of a dual-stack socket appear as `::ffff:a.b.c.d`; CIDRs are written for the plain form.
  const plain = s.startsWith('::ffff:') && s.includes('.') ? s.slice(7) : s;
  const family = isIP(plain);
  if (family === 0) return undefined;
  return { address: plain, family: family === 6 ? 'ipv6' : 'ipv4' };
}

export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: BlockList,
): string {
  const p = peer === undefined ? undefined : normalizeAddress(peer);
  if (!p) return peer ?? 'unknown';
  if (!trusted.check(p.address, p.family) || forwardedFor === undefined) return p.address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let client = p.address;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i] ?? '');
    // A malformed entry ends the chain: what lies beyond it cannot be trusted either.
    if (!hop) break;
    client = hop.address;
    if (!trusted.check(hop.address, hop.family)) break;
  }
  return client;
}
