/**
 * Attribute checks shared by documents, results and the 1224 summary, applied both when parsing (with the
 * element's position) and before building (without), so that what windc sends passes what windc accepts.
 */

import { type Scope, scopeOf } from '../csp/scope.ts';
import type { ErrorCode } from '../errors.ts';
import type { XmlElement } from '../xml/index.ts';
import { isGuid } from './guid.ts';
import { lookupScenario, SCENARIO_LISTS, type ScenarioListId, type ScenarioMatch } from './scenarios.ts';
import { fail } from './xml-read.ts';

export const SCHEMA_VERSION = '1.0';

export interface ContextValue {
  context: Scope;
  /**
   * The attribute as written, kept only when it differs from `context` (Learn writes `context="user"`), so that a
   * parsed document re-serialises unchanged and keeps its checksum.
   */
  contextAsWritten?: string;
}

/** Device or User in any case: Learn writes `Device`, `User` and `user`, and the result echoes the request. */
export function readContext(text: string, el?: XmlElement): ContextValue {
  const context = scopeOf(text);
  if (!context) throw fail('DC_BAD_CONTEXT', el, `context '${text}' is neither Device nor User`);
  return text === context ? { context } : { context, contextAsWritten: text };
}

export function checkContextSpelling(v: ContextValue): void {
  if (v.contextAsWritten !== undefined && scopeOf(v.contextAsWritten) !== v.context) {
    throw fail('DC_BAD_CONTEXT', undefined, `contextAsWritten '${v.contextAsWritten}' does not spell ${v.context}`);
  }
}

export function checkId(id: string, el?: XmlElement): void {
  if (!isGuid(id)) throw fail('DC_BAD_ID', el, `id '${id}' is not a GUID`);
}

export function checkSchema(schema: string, code: ErrorCode, el?: XmlElement): void {
  if (schema !== SCHEMA_VERSION) throw fail(code, el, `schema '${schema}' is not ${SCHEMA_VERSION}`);
}

/**
 * A scenario on one of the accepted lists, and an extensibility scenario only in Device context (the
 * extensibility page: "The target of the scenario settings can only be device wide").
 */
export function checkScenario(
  name: string,
  context: Scope,
  lists: readonly ScenarioListId[] = SCENARIO_LISTS,
  el?: XmlElement,
): ScenarioMatch {
  const match = lookupScenario(name);
  if (!match?.lists.some((l) => lists.includes(l))) {
    throw fail('DC_UNKNOWN_SCENARIO', el, `osdefinedscenario '${name}' is on no accepted list (${lists.join(', ')})`);
  }
  if (match.extensibility && context !== 'Device') {
    throw fail('DC_SCENARIO_SCOPE', el, `${name} is an extensibility scenario and needs context Device`);
  }
  return match;
}
