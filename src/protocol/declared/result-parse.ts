/**
 * Parsing result documents. Devices are read liberally where the format may grow (unknown attributes are
 * ignored) and strictly where a mistake would mislead the server (identity, states, block kinds).
 */
import type { XmlElement, XmlLimits } from '../xml/index.ts';
import { checkId, checkScenario, checkSchema, readContext } from './checks.ts';
import {
  type CspResultBlock,
  type DeclaredConfigurationResult,
  type DscResultBlock,
  RESULT_OPERATIONS,
  type ResultBlock,
  type ResultOperation,
} from './result.ts';
import { checkResultBody } from './result-rules.ts';
import { type DcState, parseDcState } from './state.ts';
import { elementChildren, fail, leafText, optional, parseRoot, required } from './xml-read.ts';

const E = 'DC_BAD_RESULT';

function readState(el: XmlElement): DcState {
  const text = required(el, 'state', E);
  const state = parseDcState(text);
  if (state === undefined) throw fail(E, el, `state '${text}' is not a DCCSPURIState value`);
  return state;
}

export function parseResult(text: string, limits?: Partial<XmlLimits>): DeclaredConfigurationResult {
  const root = parseRoot(text, 'DeclaredConfigurationResult', E, limits);
  const schema = required(root, 'schema', E);
  checkSchema(schema, E, root);
  const context = readContext(required(root, 'context', 'DC_BAD_CONTEXT'), root);
  const id = required(root, 'id', 'DC_BAD_ID');
  checkId(id, root);
  const scenario = required(root, 'osdefinedscenario', 'DC_UNKNOWN_SCENARIO');
  const match = checkScenario(scenario, context.context, undefined, root);
  const operation = required(root, 'operation', E);
  if (!RESULT_OPERATIONS.includes(operation as ResultOperation)) {
    throw fail(E, root, `operation '${operation}' is not one of ${RESULT_OPERATIONS.join(', ')}`);
  }
  const state = readState(root);
  const result: DeclaredConfigurationResult = {
    schema,
    ...context,
    id,
    scenario,
    checksum: required(root, 'checksum', E),
    resultChecksum: required(root, 'result_checksum', E),
    operation: operation as ResultOperation,
    state,
    blocks: [],
  };
  const ts = optional(root, 'result_timestamp');
  if (ts !== undefined) result.resultTimestamp = ts;
  const els = elementChildren(root, E);
  result.blocks = els.map(readBlock);
  checkResultBody(result, match, { valuesOnlyForGet: false }, root, els);
  return result;
}

function statusOf(el: XmlElement): { status?: string } {
  const status = optional(el, 'status');
  return status === undefined ? {} : { status };
}

function readBlock(b: XmlElement): ResultBlock {
  const state = readState(b);
  if (b.name === 'DSC') {
    const block: DscResultBlock = {
      kind: 'DSC',
      namespace: required(b, 'namespace', E),
      className: required(b, 'className', E),
      ...statusOf(b),
      state,
      properties: [],
    };
    for (const p of elementChildren(b, E)) {
      if (p.name !== 'Key' && p.name !== 'Value') throw fail(E, p, `<DSC> holds Key and Value, not <${p.name}>`);
      block.properties.push({ role: p.name, name: required(p, 'name', E), value: leafText(p, E) });
    }
    return block;
  }
  if (b.name === 'CSP') {
    const block: CspResultBlock = { kind: 'CSP', name: required(b, 'name', E), ...statusOf(b), state, uris: [] };
    for (const u of elementChildren(b, E)) {
      if (u.name !== 'URI') throw fail(E, u, `<CSP> holds URI elements, not <${u.name}>`);
      block.uris.push({
        path: required(u, 'path', E),
        ...statusOf(u),
        state: readState(u),
        type: required(u, 'type', E),
        value: leafText(u, E),
      });
    }
    return block;
  }
  throw fail(E, b, `<${b.name}> is not a result block (DSC, CSP)`);
}
