/**
 * Running a document's blocks. A DSC block goes to its MI provider (Test then Set for configuration, Get for
 * inventory, Test–Set–Test for a refresh); a CSP block writes or reads each URI in the emulated tree as the
 * document's owner. Failures stay inside their block: an unknown class, a bad property or a mistyped URI is the
 * block's error state (61/81) with the HRESULT as its status, never a SyncML failure of the whole document; a
 * failure of the machinery (an injected infra fault, an unexpected exception) is the infrastructure state (62/82).
 */
import { scopePrefix, splitLocUri } from '../../protocol/csp/index.ts';
import {
  type CspBlock,
  type CspResultBlock,
  type CspResultUri,
  DC_STATES,
  type DcState,
  type DscBlock,
  type DscResultBlock,
  expandTemplate,
  parseInstanceBlob,
  type ResultBlock,
  uriFormat,
} from '../../protocol/declared/index.ts';
import { StatusCode } from '../../protocol/syncml/index.ts';
import type { AccountInfo } from '../account.ts';
import type { CspEngine } from '../csp/engine.ts';
import { address, formatAddress, type NodeAddress } from '../csp/path.ts';
import type { EventLog } from '../events/event-log.ts';
import { cspCommandFailure, errorAtDocLevel, providerFailure } from '../events/event-text.ts';
import type { FaultInjector, ProviderOperation } from '../faults.ts';
import { HResult, HResultError, hex } from '../hresult.ts';
import type { MiInstance, MiProvider, ProviderRegistry } from '../providers/mi.ts';
import { type DocumentRecord, ownerKey } from './record.ts';

export interface ApplyDeps {
  engine: CspEngine;
  providers: ProviderRegistry;
  faults: FaultInjector;
  events: EventLog;
  now: () => number;
}

export type ApplyMode = 'set' | 'get' | 'refresh';
export type Outcome = 'success' | 'error' | 'infra';

export interface ApplyResult {
  blocks: ResultBlock[];
  outcome: Outcome;
  written: string[];
  resources: NodeAddress[];
  /** Refresh: something differed from the document before this run. */
  drifted: boolean;
  /** A bulk template without (valid) instance data: seed 001's "instance data missing". */
  instanceDataMissing: boolean;
}

const STATES: Record<'config' | 'get', Record<Outcome, DcState>> = {
  config: {
    success: DC_STATES.ConfigCompletedSuccess,
    error: DC_STATES.ConfigCompletedError,
    infra: DC_STATES.ConfigInfraError,
  },
  get: { success: DC_STATES.GetCompletedSuccess, error: DC_STATES.GetCompletedError, infra: DC_STATES.GetInfraError },
};

export function stateFor(family: 'config' | 'get', outcome: Outcome): DcState {
  return STATES[family][outcome];
}

function worst(a: Outcome, b: Outcome): Outcome {
  const rank = { success: 0, error: 1, infra: 2 };
  return rank[b] > rank[a] ? b : a;
}

class Run {
  outcome: Outcome = 'success';
  drifted = false;
  written: string[] = [];
  resources: NodeAddress[] = [];
  cspFailed = false;

  constructor(
    readonly rec: DocumentRecord,
    readonly mode: ApplyMode,
    readonly account: AccountInfo,
    readonly deps: ApplyDeps,
  ) {}

  get family(): 'config' | 'get' {
    return this.mode === 'get' ? 'get' : 'config';
  }

  log(channel: 'Admin' | 'Operational', level: 'Error' | 'Warning', message: string): void {
    this.deps.events.append({ time: new Date(this.deps.now()).toISOString(), channel, level, message });
  }

  private call<T>(p: MiProvider, op: ProviderOperation, fn: () => Promise<T>): Promise<T> {
    const fault = this.deps.faults.providerFault(p.className, op);
    if (fault) {
      const hr = fault.hresult ?? HResult.WBEM_PROVIDER_FAILURE;
      return Promise.reject(new HResultError(hr, `injected ${op} fault`, { infra: fault.kind === 'infra' }));
    }
    return fn();
  }

  async dsc(b: DscBlock): Promise<DscResultBlock> {
    const { providers } = this.deps;
    let values: MiInstance | undefined;
    let operation: ProviderOperation = 'Get';
    try {
      const p = providers.find(b.namespace, b.className);
      const input = providers.bind(p, b.properties);
      if (this.mode === 'get') {
        values = await this.call(p, 'Get', () => p.get(input));
      } else {
        operation = 'Test';
        const t = await this.call(p, 'Test', () => p.test(input));
        if (!t.inDesiredState) {
          this.drifted = true;
          operation = 'Set';
          await this.call(p, 'Set', () => p.set(input));
          if (this.mode === 'refresh') {
            operation = 'Test';
            const again = await this.call(p, 'Test', () => p.test(input));
            if (!again.inDesiredState) {
              throw new HResultError(HResult.FAIL, `still differs in ${again.differingProperties.join(', ')}`);
            }
          }
        }
      }
      const canonical = (name: string) =>
        p.properties.find((s) => s.name.toLowerCase() === name.toLowerCase())?.name ?? name;
      return {
        kind: 'DSC',
        namespace: b.namespace,
        className: b.className,
        status: String(StatusCode.OK),
        state: stateFor(this.family, 'success'),
        properties: b.properties.map((pr) => ({ ...pr, value: values?.[canonical(pr.name)] ?? '' })),
      };
    } catch (e) {
      const infra = !(e instanceof HResultError) || e.infra;
      const hr = e instanceof HResultError ? e.hresult : HResult.FAIL;
      const outcome: Outcome = infra ? 'infra' : 'error';
      this.outcome = worst(this.outcome, outcome);
      const detail = e instanceof Error ? e.message : String(e);
      this.log('Admin', 'Error', providerFailure(b.className, operation, hr, detail));
      return {
        kind: 'DSC',
        namespace: b.namespace,
        className: b.className,
        status: hex(hr),
        state: stateFor(this.family, outcome),
        properties: b.properties.map((pr) => ({ ...pr, value: '' })),
      };
    }
  }

  csp(b: CspBlock): CspResultBlock {
    const split = splitLocUri(b.name);
    const root = typeof split === 'string' ? [b.name] : split.segments;
    const scope = this.rec.scope;
    const owner = { accountId: this.account.id, docKey: ownerKey(this.rec), docId: this.rec.document.id };
    let blockOutcome: Outcome = 'success';
    const uris = b.uris.map((u): CspResultUri => {
      const addr = address('msft', scope, [...root, ...u.path.split('/')]);
      const format = uriFormat(u.type) ?? 'chr';
      let outcome: { code: number; hresult?: number; value?: string };
      if (this.mode === 'get') {
        outcome = this.deps.engine.ownerRead(addr);
      } else {
        const current = this.mode === 'refresh' ? this.deps.engine.ownerRead(addr) : undefined;
        if (current && current.code === StatusCode.OK && current.value === u.value) {
          outcome = current;
        } else {
          if (current) this.drifted = true;
          const w = this.deps.engine.ownerWrite(addr, u.value, format, owner);
          outcome = w.outcome;
          if (outcome.code < 300) {
            this.written.push(formatAddress(addr));
            if (w.resource && !this.resources.some((r) => r.key === w.resource?.key)) this.resources.push(w.resource);
          }
        }
      }
      const good = outcome.code < 300;
      if (!good) {
        blockOutcome = 'error';
        const hr = outcome.hresult ?? HResult.FAIL;
        this.log(
          'Admin',
          'Error',
          cspCommandFailure({
            sourceId: this.account.id,
            enrollmentName: this.account.enrollmentName,
            cspName: (root[0] ?? '').toLowerCase(),
            commandType: this.mode === 'get' ? 'GetValue' : 'Add: from Replace or Add',
            locUri: `${`${scopePrefix(scope)}/${root.join('/')}`.toLowerCase()}/${u.path}`,
            hresult: hr,
          }),
        );
      }
      return {
        path: u.path,
        status: good ? String(StatusCode.OK) : hex(outcome.hresult ?? HResult.FAIL),
        state: stateFor(this.family, good ? 'success' : 'error'),
        type: u.type,
        value: this.mode === 'get' && good ? (outcome.value ?? '') : '',
      };
    });
    if (blockOutcome !== 'success') {
      this.cspFailed = true;
      this.outcome = worst(this.outcome, blockOutcome);
    }
    return { kind: 'CSP', name: b.name, state: stateFor(this.family, blockOutcome), uris };
  }
}

/** The CSP blocks to apply: the document's own, or a bulk template's expansion per instance. */
function cspBlocksOf(rec: DocumentRecord): CspBlock[] | undefined {
  if (rec.host !== 'BulkTemplate') return rec.document.blocks.filter((b): b is CspBlock => b.kind === 'CSP');
  if (rec.bulkVariables === undefined) return undefined;
  try {
    return expandTemplate(rec.document, parseInstanceBlob(rec.bulkVariables));
  } catch {
    return undefined;
  }
}

export async function applyDocument(
  rec: DocumentRecord,
  mode: ApplyMode,
  account: AccountInfo,
  deps: ApplyDeps,
): Promise<ApplyResult> {
  const run = new Run(rec, mode, account, deps);
  const blocks: ResultBlock[] = [];
  const cspBlocks = cspBlocksOf(rec);
  if (cspBlocks === undefined) {
    run.log('Operational', 'Warning', errorAtDocLevel(HResult.ELEMENT_NOT_FOUND));
    return {
      blocks: [],
      outcome: 'error',
      written: [],
      resources: [],
      drifted: true,
      instanceDataMissing: true,
    };
  }
  for (const b of rec.document.blocks) if (b.kind === 'DSC') blocks.push(await run.dsc(b));
  for (const b of cspBlocks) blocks.push(run.csp(b));
  if (run.cspFailed) run.log('Operational', 'Warning', errorAtDocLevel(HResult.DC_ERROR_AT_DOC_LEVEL));
  return {
    blocks,
    outcome: run.outcome,
    written: run.written,
    resources: run.resources,
    drifted: run.drifted,
    instanceDataMissing: false,
  };
}
