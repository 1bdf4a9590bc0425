/**
 * What the declared-configuration shell needs from the server, narrowed so that tests can build it from a bare
 * store. Built once per process from the ServerContext.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { StoreTx } from '../../store/index.ts';
import type { ServerContext } from '../context.ts';
import { providerIdFor } from '../enroll/provisioning.ts';
import { PATHS } from '../enroll/urls.ts';
import type { GroupRule } from './rules.ts';

export interface DeclaredDeps {
  store: StoreTx;
  now: () => number;
  /** DMClient ProviderID of windc's primary account on devices (LinkedEnrollment lives under it). */
  primaryProviderId: string;
  /** DMClient ProviderID of windc's WinDC (linked) account: its Poll schedule and keep-alive. */
  linkedProviderId: string;
  /** windc's WinDC JSON discovery URL, what LinkedEnrollment/DiscoveryEndpoint is set to. */
  discoveryUrl: string;
  log?: Pick<FastifyBaseLogger, 'warn' | 'info' | 'debug'> | undefined;
  /** What this process remembers between messages (shared by every copy of the deps made per message). */
  memo?: DeclaredMemo | undefined;
}

export type GroupRuleList = { group: string; rule: GroupRule }[];

export interface DeclaredMemo {
  /** Group rules as of a declared generation: every session's first message needs them. */
  rules?: { generation: number; rules: GroupRuleList } | undefined;
}

/**
 * The WinDC discovery URL in the form Microsoft's own example has (`…/EnrollmentConfiguration?api-version=1.0`,
 * seed 000); the api-version is what Windows' client is documented to send.
 */
export function discoveryUrlFor(publicUrl: string): string {
  return `${publicUrl}${PATHS.windcDiscovery}?api-version=1.0`;
}

/** One memo per server, so the admin API and the reconciler see the same cached rules. */
const memos = new WeakMap<ServerContext, DeclaredMemo>();

export function declaredDeps(ctx: ServerContext): DeclaredDeps {
  let memo = memos.get(ctx);
  if (!memo) memos.set(ctx, (memo = {}));
  const providerId = ctx.config.enrollment.providerId;
  return {
    store: ctx.store,
    now: ctx.now,
    primaryProviderId: providerIdFor(providerId, 'primary'),
    linkedProviderId: providerIdFor(providerId, 'linked'),
    discoveryUrl: discoveryUrlFor(ctx.config.publicUrl),
    log: ctx.log,
    memo,
  };
}
