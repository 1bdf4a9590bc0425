/**
 * The CSP engine: one Item of one command in, a status (and a value for Get) out. CSPs with behaviour of their own
 * (DeclaredConfiguration, DMClient's LinkedEnrollment) see the operation first; the rest is the node tables'
 * semantics (node-ops.ts). Direct writes collide with WinDC resource ownership here, and failed writes are logged
 * as Windows' configuration manager logs them.
 */
import type { NodeFormat } from '../../protocol/csp/index.ts';
import { StatusCode } from '../../protocol/syncml/index.ts';
import type { AccountInfo } from '../account.ts';
import type { EventLog } from '../events/event-log.ts';
import { cspCommandFailure } from '../events/event-text.ts';
import { HResult } from '../hresult.ts';
import { type NodeEnv, nodeGet, nodeOperation, nodeWrite } from './node-ops.ts';
import type { Owner, Ownership } from './ownership.ts';
import { type NodeAddress, parseAddress } from './path.ts';
import { type Resolution, resolve, resolveAddress } from './resolve.ts';
import type { StandardContext } from './standard.ts';
import type { NodeStore } from './store.ts';
import { Transaction } from './transaction.ts';
import type { CspCommand, CspHandler, CspOperation, ItemOutcome } from './types.ts';

/** windc's mapping of a failure status to the HRESULT it logs; only 404's (0x86000002) is Windows-documented. */
const STATUS_HRESULT: Readonly<Record<number, number>> = {
  [StatusCode.BAD_REQUEST]: HResult.INVALID_PARAMETER,
  [StatusCode.NOT_FOUND]: HResult.OMADM_NODE_NOT_FOUND,
  [StatusCode.COMMAND_NOT_ALLOWED]: HResult.ACCESS_DENIED,
  [StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED]: HResult.NOT_IMPLEMENTED,
  [StatusCode.UNSUPPORTED_MEDIA_TYPE]: HResult.INVALID_PARAMETER,
  [StatusCode.ALREADY_EXISTS]: HResult.ALREADY_EXISTS,
  [StatusCode.COMMAND_FAILED]: HResult.FAIL,
};

export function hresultForStatus(code: number): number | undefined {
  return STATUS_HRESULT[code];
}

/** How the configuration manager names a command in its log (seed 001 shows the two write forms). */
export function commandType(command: CspCommand, existed: boolean): string {
  switch (command) {
    case 'Add':
      return 'Add: from Replace or Add';
    case 'Replace':
      return existed ? 'SetValue: from Replace' : 'Add: from Replace or Add';
    case 'Delete':
      return 'Delete';
    case 'Exec':
      return 'Execute';
    case 'Get':
      return 'GetValue';
  }
}

export interface EngineOptions {
  store: NodeStore;
  standard: StandardContext;
  ownership: Ownership;
  events: EventLog;
  now: () => number;
}

export class CspEngine {
  readonly env: NodeEnv;
  private readonly handlers: CspHandler[] = [];

  constructor(private readonly o: EngineOptions) {
    this.env = { store: o.store, standard: o.standard };
  }

  addHandler(handler: CspHandler): void {
    this.handlers.push(handler);
  }

  /** One Item of a server command, with every rule a direct SyncML command is held to. */
  execute(op: Omit<CspOperation, 'resolution'>): ItemOutcome {
    const full: CspOperation = { ...op, resolution: resolve(op.locUri) };
    for (const h of this.handlers) {
      const handled = h.handle(full);
      if (handled) return handled;
    }
    const res = full.resolution;
    const existed = op.command === 'Replace' && nodeGet(this.env, res).code === StatusCode.OK;
    if (op.command === 'Add' || op.command === 'Replace' || op.command === 'Delete') {
      const owner =
        res.kind === 'generic' || res.kind === 'catalogued' ? this.o.ownership.conflict(res.addr) : undefined;
      if (owner) {
        const outcome = { code: StatusCode.COMMAND_FAILED, hresult: HResult.OMADM_RESOURCE_OWNED };
        this.logFailure(full, outcome, existed);
        return outcome;
      }
    }
    const outcome = nodeOperation(this.env, res, op.command, op.data, op.format, op.tx);
    if (outcome.code >= 300) {
      const withHr = { ...outcome, hresult: outcome.hresult ?? hresultForStatus(outcome.code) };
      if (op.command !== 'Get') this.logFailure(full, withHr, existed);
      return withHr;
    }
    return outcome;
  }

  /**
   * A write made by a WinDC document (resource access): Add-or-Replace semantics, no resource ownership check
   * against `owner` itself, and failures reported as the HRESULTs Windows puts in the result and the log.
   */
  ownerWrite(
    addr: NodeAddress,
    value: string,
    format: NodeFormat,
    owner: Owner,
  ): { outcome: ItemOutcome; resource: NodeAddress | undefined } {
    const res = resolveAddress(addr);
    const resource = res.kind === 'generic' ? res.resource : undefined;
    if (res.kind !== 'generic' && res.kind !== 'catalogued') {
      return { outcome: { code: StatusCode.NOT_FOUND, hresult: HResult.OMADM_NODE_NOT_FOUND }, resource };
    }
    const other = this.o.ownership.conflict(addr);
    if (other && other.docKey !== owner.docKey) {
      return { outcome: { code: StatusCode.COMMAND_FAILED, hresult: HResult.OMADM_RESOURCE_OWNED }, resource };
    }
    const tx = new Transaction();
    const existing = nodeGet(this.env, res);
    const command = existing.code === StatusCode.OK && existing.format !== 'node' ? 'Replace' : 'Add';
    const outcome = nodeWrite(this.env, res, command, value, format, tx);
    tx.commit();
    return {
      outcome: outcome.code < 300 ? outcome : { ...outcome, hresult: hresultForStatus(outcome.code) },
      resource,
    };
  }

  /** A read made by a WinDC inventory document or a refresh. */
  ownerRead(addr: NodeAddress): ItemOutcome {
    const outcome = nodeGet(this.env, resolveAddress(addr));
    return outcome.code < 300 ? outcome : { ...outcome, hresult: hresultForStatus(outcome.code) };
  }

  /** Removes a node the device itself wrote (rollback at unenrollment). */
  ownerDelete(addr: NodeAddress): void {
    this.o.store.remove(addr);
  }

  /** Sets a node as the device itself, bypassing access types: seeding identity, EnrollStatus and the like. */
  setInternal(locUri: string, value: string | undefined, format: NodeFormat = 'chr'): void {
    const addr = parseAddress(locUri);
    if (typeof addr === 'string') throw new Error(`${locUri}: ${addr}`);
    this.o.store.ensureAncestors(addr, 2);
    this.o.store.set(addr, value === undefined ? { format: 'node' } : { format, value });
  }

  /** The value of a node as the device sees it (defaults included), or undefined when it has none. */
  readInternal(locUri: string): string | undefined {
    const res: Resolution = resolve(locUri);
    const outcome = nodeGet(this.env, res);
    return outcome.code === StatusCode.OK ? outcome.value : undefined;
  }

  private logFailure(op: CspOperation, outcome: ItemOutcome, existed: boolean): void {
    const hr = outcome.hresult;
    if (hr === undefined) return;
    const addr = op.resolution.addr;
    this.o.events.append({
      time: new Date(this.o.now()).toISOString(),
      channel: 'Admin',
      level: 'Error',
      message: cspCommandFailure({
        sourceId: op.account.id,
        enrollmentName: op.account.enrollmentName,
        cspName: addr?.segments[0] ?? '',
        commandType: commandType(op.command, existed),
        locUri: op.locUri,
        hresult: hr,
      }),
    });
  }
}

export type { AccountInfo };
