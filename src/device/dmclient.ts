/**
 * DMClient's Exec nodes, which start work outside the session: LinkedEnrollment/Enroll and Unenroll (seed 000,
 * [MS-MDE2] §2.2.9.3) and the provider-level Unenroll. The device records progress in EnrollStatus (0-8, seed 004
 * plus the two later values) and LastError (the HRESULT, as the unsigned DWORD a registry-backed node returns); the
 * networking half does the actual discovery and MS-MDE2 enrollment through the hooks it registers.
 *
 * Decisions where the sources are thin: the Exec itself answers 200 and the outcome is read from EnrollStatus, as
 * Windows runs the enrollment from a scheduled task after the session (deviceenroller /EnrollMmpc); an unset
 * DiscoveryEndpoint fails the enrollment with LastError 0x80070002 (a third-party summary of the current Learn
 * page); an Enroll while one is in progress is accepted and ignored.
 */
import { StatusCode } from '../protocol/syncml/index.ts';
import type { AccountInfo } from './account.ts';
import type { CspEngine } from './csp/engine.ts';
import type { CspHandler, CspOperation, ItemOutcome } from './csp/types.ts';
import type { EventLog } from './events/event-log.ts';
import { linkedEnrollment } from './events/event-text.ts';
import { HResult, hresultNodeValue, hresultOf } from './hresult.ts';

export const EnrollStatus = {
  Undefined: 0,
  NotStarted: 1,
  InProgress: 2,
  Failed: 3,
  Succeeded: 4,
  UnenrollQueued: 5,
  UnenrollInProgress: 6,
  UnenrollFailed: 7,
  UnenrollSucceeded: 8,
} as const;

export interface EnrollRequest {
  /** The account whose provider ran the Exec. */
  primary: AccountInfo;
  discoveryEndpoint: string;
}

export interface UnenrollRequest {
  primary: AccountInfo;
  /** The WinDC accounts linked to it, which the device removes once the hook resolves. */
  linked: AccountInfo[];
}

export interface LinkedEnrollmentHooks {
  /** Discovery, policy, enrollment; resolve when the linked account exists, reject (HResultError) on failure. */
  enroll(req: EnrollRequest): Promise<void>;
  /** Anything to do on the server side before the linked accounts are removed. */
  unenroll?(req: UnenrollRequest): Promise<void>;
}

export interface DmClientDeps {
  engine: CspEngine;
  events: EventLog;
  now: () => number;
  accounts(): AccountInfo[];
  removeAccount(id: string): void;
  /** Provider-level Unenroll: the networking half ends the relationship with that server. */
  unenrollRequested(account: AccountInfo): void;
}

function providerBase(providerId: string): string {
  return `./Device/Vendor/MSFT/DMClient/Provider/${providerId}`;
}

export class DmClient implements CspHandler {
  private hooks: LinkedEnrollmentHooks | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly d: DmClientDeps) {}

  setHooks(hooks: LinkedEnrollmentHooks | undefined): void {
    this.hooks = hooks;
  }

  /** Resolves when no enrollment or unenrollment is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  handle(op: CspOperation): ItemOutcome | undefined {
    const res = op.resolution;
    if (op.command !== 'Exec' || res.kind !== 'catalogued' || res.match.csp.name !== 'DMClient') return undefined;
    const path = res.match.node.path;
    const provider = res.match.captures.ProviderID;
    if (provider !== undefined && this.d.engine.readInternal(providerBase(provider)) === undefined) {
      return { code: StatusCode.NOT_FOUND };
    }
    const owner = (id: string | undefined) =>
      this.d.accounts().find((a) => a.providerId.toLowerCase() === (id ?? '').toLowerCase());
    switch (path) {
      case 'DMClient/Provider/{ProviderID}/LinkedEnrollment/Enroll':
        op.tx.afterCommit(() => this.enroll(owner(provider) ?? op.account, provider as string));
        return { code: StatusCode.OK };
      case 'DMClient/Provider/{ProviderID}/LinkedEnrollment/Unenroll':
        op.tx.afterCommit(() => this.unenroll(owner(provider) ?? op.account, provider as string));
        return { code: StatusCode.OK };
      case 'DMClient/Provider/{ProviderID}/Unenroll':
      case 'DMClient/Unenroll': {
        const target = owner(provider ?? op.data?.trim());
        if (!target) return { code: StatusCode.NOT_FOUND };
        op.tx.afterCommit(() => this.d.unenrollRequested(target));
        return { code: StatusCode.OK };
      }
      default:
        return undefined;
    }
  }

  status(providerId: string): { enrollStatus: number; lastError: number } {
    const base = `${providerBase(providerId)}/LinkedEnrollment`;
    return {
      enrollStatus: Number(this.d.engine.readInternal(`${base}/EnrollStatus`) ?? '0'),
      lastError: Number(this.d.engine.readInternal(`${base}/LastError`) ?? '0'),
    };
  }

  private record(providerId: string, enrollStatus: number, lastError: number, step: string): void {
    const base = `${providerBase(providerId)}/LinkedEnrollment`;
    this.d.engine.setInternal(`${base}/EnrollStatus`, String(enrollStatus), 'int');
    this.d.engine.setInternal(`${base}/LastError`, hresultNodeValue(lastError), 'int');
    this.d.events.append({
      time: new Date(this.d.now()).toISOString(),
      channel: lastError === 0 ? 'Operational' : 'Admin',
      level: lastError === 0 ? 'Information' : 'Error',
      message: linkedEnrollment(step, lastError),
    });
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private enroll(primary: AccountInfo, providerId: string): void {
    if (this.status(providerId).enrollStatus === EnrollStatus.InProgress) return;
    const endpoint = this.d.engine.readInternal(`${providerBase(providerId)}/LinkedEnrollment/DiscoveryEndpoint`) ?? '';
    if (endpoint === '') {
      this.record(providerId, EnrollStatus.Failed, HResult.FILE_NOT_FOUND, 'Enroll without a DiscoveryEndpoint');
      return;
    }
    const hooks = this.hooks;
    if (!hooks) {
      this.record(providerId, EnrollStatus.Failed, HResult.NOT_IMPLEMENTED, 'Enroll with no enrollment client');
      return;
    }
    this.record(providerId, EnrollStatus.InProgress, 0, `Enroll started against ${endpoint}`);
    this.track(
      Promise.resolve()
        .then(() => hooks.enroll({ primary, discoveryEndpoint: endpoint }))
        .then(
          () => this.record(providerId, EnrollStatus.Succeeded, 0, 'Enroll succeeded'),
          (e: unknown) => this.record(providerId, EnrollStatus.Failed, hresultOf(e), `Enroll failed: ${String(e)}`),
        ),
    );
  }

  private unenroll(primary: AccountInfo, providerId: string): void {
    const linked = this.d.accounts().filter((a) => a.kind === 'windc' && a.linkedTo === primary.id);
    this.record(providerId, EnrollStatus.UnenrollQueued, 0, 'Unenroll queued');
    this.track(
      Promise.resolve()
        .then(() => this.record(providerId, EnrollStatus.UnenrollInProgress, 0, 'Unenroll started'))
        .then(() => this.hooks?.unenroll?.({ primary, linked }))
        .then(() => {
          for (const a of linked) this.d.removeAccount(a.id);
        })
        .then(
          () => this.record(providerId, EnrollStatus.UnenrollSucceeded, 0, 'Unenroll succeeded'),
          (e: unknown) => this.record(providerId, EnrollStatus.UnenrollFailed, hresultOf(e), `Unenroll failed: ${e}`),
        ),
    );
  }
}
