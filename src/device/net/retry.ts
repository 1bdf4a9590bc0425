/**
 * When and how long a device waits before sending again. Two different reasons, two rules:
 *
 * - The server answered 429 or 503 with Retry-After: Windows newer than 10 2004 waits as told ([MS-MDM] §3.1.6,
 *   product note 15), and seed 003 names WINHTTP_QUERY_RETRY_AFTER for discovery. The same message is sent again.
 * - No HTTP answer at all: the w7 APPLICATION's CONNRETRYFREQ, INITIALBACKOFFTIME and MAXBACKOFFTIME say how many
 *   times and how patiently; the backoff doubles from the initial time up to the maximum.
 */
import { type HttpRequest, type HttpResponse, type HttpTransport, NetworkError } from './transport.ts';

export interface RetryPolicy {
  /** Retries after a request got no answer (CONNRETRYFREQ). */
  connRetries: number;
  /** First wait after a lost request, ms (INITIALBACKOFFTIME). */
  initialBackoffMs: number;
  /** Longest wait between lost requests, ms (MAXBACKOFFTIME). */
  maxBackoffMs: number;
  /** How many Retry-After answers are obeyed before giving up. */
  retryAfterAttempts: number;
  /** Longest Retry-After honoured; a longer one ends the attempt (the caller reschedules). */
  maxRetryAfterMs: number;
}

/** The values of Microsoft's provisioning examples: six retries, 30 s doubling to 2 min. */
export const WINDOWS_RETRY: Readonly<RetryPolicy> = {
  connRetries: 6,
  initialBackoffMs: 30_000,
  maxBackoffMs: 120_000,
  retryAfterAttempts: 5,
  maxRetryAfterMs: 3_600_000,
};

/** The server asked for patience beyond what the policy allows. */
export class RetryAfterError extends Error {
  override readonly name = 'RetryAfterError';
  constructor(
    readonly status: number,
    readonly delayMs: number,
  ) {
    super(`server answered ${status} with Retry-After ${Math.round(delayMs / 1000)} s`);
  }
}

/**
 * Retry-After as RFC 9110 defines it: delay-seconds or an HTTP-date. Undefined for a missing or unreadable value;
 * a date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface RetryHooks {
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Told about every wait, for logs and fleet statistics. */
  onRetry?(reason: 'retry-after' | 'network', delayMs: number, attempt: number): void;
}

export const realTime: RetryHooks = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/**
 * Sends `req` until it gets an answer other than a Retry-After, within the policy. The last answer is returned
 * whatever its status (a 429 without Retry-After included): what it means is the caller's protocol's business.
 */
export async function sendWithRetry(
  transport: HttpTransport,
  req: HttpRequest,
  policy: RetryPolicy,
  hooks: RetryHooks = realTime,
): Promise<HttpResponse> {
  let lost = 0;
  let told = 0;
  for (;;) {
    let res: HttpResponse;
    try {
      res = await transport.send(req);
    } catch (e) {
      if (!(e instanceof NetworkError) || lost >= policy.connRetries) throw e;
      const wait = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** lost);
      lost++;
      hooks.onRetry?.('network', wait, lost);
      await hooks.sleep(wait);
      continue;
    }
    if (res.status !== 429 && res.status !== 503) return res;
    const delay = parseRetryAfter(res.headers['retry-after'], hooks.now());
    if (delay === undefined) return res;
    if (delay > policy.maxRetryAfterMs || told >= policy.retryAfterAttempts)
      throw new RetryAfterError(res.status, delay);
    told++;
    hooks.onRetry?.('retry-after', delay, told);
    await hooks.sleep(delay);
  }
}
