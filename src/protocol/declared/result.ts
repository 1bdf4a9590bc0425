/**
 * The result document a device returns for Get `…/Results/{DocID}/Document`: the request's identity, the device's
 * `result_checksum`, `result_timestamp`, the operation and a state, then one block per request block with a state
 * per DSC, CSP and URI. Shapes from seed 002 (DSC results) and the 2024-09-12 resource-access page (CSP results).
 */

import { el, wrap } from '../xml/index.ts';
import type { ContextValue } from './checks.ts';
import { checkContextSpelling, checkId, checkScenario, checkSchema } from './checks.ts';
import type { DscProperty } from './document.ts';
import { checkResultBody } from './result-rules.ts';
import type { DcState } from './state.ts';

/** Learn shows `Set` and `Get`; `Delete` is assumed from the delete states (70-72). */
export type ResultOperation = 'Set' | 'Get' | 'Delete';

export const RESULT_OPERATIONS: readonly ResultOperation[] = ['Set', 'Get', 'Delete'];

/**
 * Learn's results always carry `status` on DSC and URI elements and never on CSP elements; all three are optional
 * here because a device reporting a block it could not start may have none. The value is a SyncML status code
 * (`200`); a hex HRESULT (`0x86000002`) is also accepted, as Windows logs per-URI failures that way.
 */
export interface DscResultBlock {
  kind: 'DSC';
  namespace: string;
  className: string;
  status?: string;
  state: DcState;
  /** Values are present only for Get (inventory); a Set result lists the names with empty values. */
  properties: DscProperty[];
}

export interface CspResultUri {
  path: string;
  status?: string;
  state: DcState;
  type: string;
  value: string;
}

export interface CspResultBlock {
  kind: 'CSP';
  name: string;
  status?: string;
  state: DcState;
  uris: CspResultUri[];
}

export type ResultBlock = DscResultBlock | CspResultBlock;

export interface DeclaredConfigurationResult extends ContextValue {
  schema: string;
  id: string;
  scenario: string;
  /** The checksum of the document version this result is for. */
  checksum: string;
  resultChecksum: string;
  /** UTC, second precision (`2024-08-06T13:54:38Z`); absent in seed 002's DSC examples. */
  resultTimestamp?: string;
  operation: ResultOperation;
  state: DcState;
  blocks: ResultBlock[];
}

/** The timestamp in the form Learn shows. */
export function formatResultTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The rules a result windc builds must satisfy. Stricter than parsing, which accepts what a device might
 * plausibly send: here, values appear only in Get results.
 */
export function validateResult(result: DeclaredConfigurationResult): void {
  checkSchema(result.schema, 'DC_BAD_RESULT');
  checkContextSpelling(result);
  checkId(result.id);
  const match = checkScenario(result.scenario, result.context);
  checkResultBody(result, match, { valuesOnlyForGet: true });
}

function statusAttr(status: string | undefined): readonly [string, string | undefined] {
  return ['status', status];
}

/** Serialises without checking; canonical.ts hashes this. Attribute order follows Learn's examples. */
export function renderResult(r: DeclaredConfigurationResult): string {
  let body = '';
  for (const b of r.blocks) {
    if (b.kind === 'DSC') {
      let inner = '';
      for (const p of b.properties) inner += el(p.role, p.value, [['name', p.name]]);
      body += wrap('DSC', inner, [
        ['namespace', b.namespace],
        ['className', b.className],
        statusAttr(b.status),
        ['state', b.state],
      ]);
    } else {
      let inner = '';
      for (const u of b.uris) {
        inner += el('URI', u.value, [['path', u.path], statusAttr(u.status), ['state', u.state], ['type', u.type]]);
      }
      body += wrap('CSP', inner, [['name', b.name], statusAttr(b.status), ['state', b.state]]);
    }
  }
  return wrap('DeclaredConfigurationResult', body, [
    ['context', r.contextAsWritten ?? r.context],
    ['schema', r.schema],
    ['id', r.id],
    ['osdefinedscenario', r.scenario],
    ['checksum', r.checksum],
    ['result_checksum', r.resultChecksum],
    ['result_timestamp', r.resultTimestamp],
    ['operation', r.operation],
    ['state', r.state],
  ]);
}

export function buildResult(result: DeclaredConfigurationResult): string {
  validateResult(result);
  return renderResult(result);
}
