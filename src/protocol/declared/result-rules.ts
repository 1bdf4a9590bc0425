/** Rules on result documents shared by parsing and building (result.ts, result-parse.ts). */
import { childElements, type XmlElement } from '../xml/index.ts';
import type { DeclaredConfigurationResult, ResultOperation } from './result.ts';
import type { ScenarioMatch } from './scenarios.ts';
import { type DcState, isDcState, stateName, stateOperation } from './state.ts';
import { fail } from './xml-read.ts';

const E = 'DC_BAD_RESULT';

const TIMESTAMP_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$/;
const STATUS_RE = /^([0-9]{3}|0x[0-9A-Fa-f]{8})$/;

const OPERATION_OF_FAMILY = { config: 'Set', delete: 'Delete', get: 'Get' } as const;

export function checkTimestamp(ts: string, at?: XmlElement): void {
  if (!TIMESTAMP_RE.test(ts) || Number.isNaN(Date.parse(ts))) {
    throw fail(E, at, `result_timestamp '${ts}' is not a UTC time such as 2024-08-06T13:54:38Z`);
  }
}

export function checkStatus(status: string, at?: XmlElement): void {
  if (!STATUS_RE.test(status)) throw fail(E, at, `status '${status}' is neither a SyncML code nor a hex HRESULT`);
}

export function checkState(state: number, at?: XmlElement): asserts state is DcState {
  if (!isDcState(state)) throw fail(E, at, `state ${state} is not a DCCSPURIState value`);
}

/**
 * A final state must belong to the operation (60s to Set, 70s to Delete, 80s to Get). Transient states are not
 * checked: seed 002 does not say which of them (0, 40) a Get passes through.
 */
export function checkOperationState(operation: ResultOperation, state: DcState, at?: XmlElement): void {
  if (state < 60) return;
  const expected = OPERATION_OF_FAMILY[stateOperation(state)];
  if (expected !== operation) {
    throw fail(E, at, `state ${state} (${stateName(state)}) ends a ${expected}, not a ${operation}`);
  }
}

export interface BodyRules {
  /** Only Get results report values; enforced on what windc builds, not on what it reads. */
  valuesOnlyForGet: boolean;
}

/** Root attributes and blocks; `els` gives each block's element (for positions) when parsing. */
export function checkResultBody(
  r: DeclaredConfigurationResult,
  match: ScenarioMatch,
  rules: BodyRules,
  root?: XmlElement,
  els?: readonly XmlElement[],
): void {
  if (r.checksum === '') throw fail(E, root, 'the result has no checksum');
  if (r.resultChecksum === '') throw fail(E, root, 'the result has no result_checksum');
  if (r.resultTimestamp !== undefined) checkTimestamp(r.resultTimestamp, root);
  checkState(r.state, root);
  checkOperationState(r.operation, r.state, root);
  const noValues = rules.valuesOnlyForGet && r.operation !== 'Get';
  r.blocks.forEach((b, i) => {
    const at = els?.[i];
    if (match.extensibility !== (b.kind === 'DSC')) {
      throw fail(E, at, `a ${r.scenario} result cannot hold <${b.kind}> blocks`);
    }
    if (b.status !== undefined) checkStatus(b.status, at);
    checkState(b.state, at);
    if (b.kind === 'DSC') {
      for (const p of b.properties) {
        if (noValues && p.value !== '') throw fail(E, at, `${p.name} has a value in a ${r.operation} result`);
      }
    } else {
      const uriEls = at && childElements(at);
      b.uris.forEach((u, j) => {
        const uAt = uriEls?.[j] ?? at;
        if (u.status !== undefined) checkStatus(u.status, uAt);
        checkState(u.state, uAt);
        if (noValues && u.value !== '') throw fail(E, uAt, `${u.path} has a value in a ${r.operation} result`);
      });
    }
  });
}
