import { afterEach, beforeEach } from 'node:test';
import type { EnrollmentRecord } from '../../../src/device/enroll/record.ts';
import { CorrelationVector } from '../../../src/device/net/headers.ts';
import type { RetryPolicy } from '../../../src/device/net/retry.ts';
import { HttpTransport } from '../../../src/device/net/transport.ts';
import { runSession, type SessionContext, type SessionOptions } from '../../../src/device/omadm/session.ts';
import { type Harness, harness } from '../support.ts';
import { type Answer, type Exchange, type Peer, startPeer } from './peer.ts';

export const NONCE0 = Buffer.from('initial-nonce-16').toString('base64');
export const FAST_RETRY: RetryPolicy = {
  connRetries: 3,
  initialBackoffMs: 1,
  maxBackoffMs: 4,
  retryAfterAttempts: 3,
  maxRetryAfterMs: 60_000,
};

export function record(h: Harness, peer: Peer, over: Partial<EnrollmentRecord> = {}): EnrollmentRecord {
  return {
    accountId: h.windc.id,
    serverUrl: peer.url,
    authPolicy: 'Federated',
    tlsDir: '.',
    appsrv: { type: 'DIGEST', name: 'dev-user', secret: 'dev-secret', nonce: NONCE0 },
    sessionCount: 0,
    enrolledAt: 0,
    ...over,
  };
}

export interface SessionRig {
  ctx: SessionContext;
  transport: HttpTransport;
  sleeps: number[];
  run(opts?: SessionOptions): ReturnType<typeof runSession>;
  close(): void;
}

/** A session context for the harness's WinDC account against `peer`, retries waiting in zero real time. */
export async function rig(h: Harness, peer: Peer, over: Partial<SessionContext> = {}): Promise<SessionRig> {
  const transport = new HttpTransport();
  const sleeps: number[] = [];
  const ctx: SessionContext = {
    transport,
    tls: await peer.identity(),
    endpoint: h.ep,
    record: record(h, peer),
    saveRecord: async () => {},
    devId: h.device.identity.devId,
    providerId: h.windc.providerId,
    readNode: (u) => h.device.getNode(u),
    faults: h.device.faults,
    cv: new CorrelationVector('a/tCeBgffEqA5408'),
    retry: FAST_RETRY,
    hooks: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      now: () => Date.now(),
    },
    ...over,
  };
  return {
    ctx,
    transport,
    sleeps,
    run: (opts) => runSession(ctx, opts),
    close: () => transport.close(),
  };
}

export interface PeerHarness {
  /** This test's harness. */
  readonly h: Harness;
  /** Starts this test's scripted server; it is closed after the test. */
  start(script: (x: Exchange, index: number) => Answer | Promise<Answer>): Promise<Peer>;
}

/** For the enclosing describe: a fresh harness before each test; after it, the peer closed and the harness cleaned up. */
export function peerHarness(): PeerHarness {
  let h: Harness | undefined;
  let peer: Peer | undefined;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
    await h?.cleanup();
    h = undefined;
  });
  return {
    get h() {
      if (!h) throw new Error('peerHarness: used outside a test');
      return h;
    },
    async start(script) {
      peer = await startPeer(script);
      return peer;
    },
  };
}
