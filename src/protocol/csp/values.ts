/**
 * Value checks against a node definition. Messages name the rule broken so that an admin reading a refusal (or
 * the emulator's 400) knows what to change.
 */
import { ProtocolError } from '../errors.ts';
import { parseXml } from '../xml/index.ts';
import type { AllowedValues, NodeDefinition, NodeFormat } from './types.ts';

export type ValueCheck = { ok: true } | { ok: false; error: ProtocolError };

/**
 * OMA DM `int` on Windows is 32 bits and is used both signed (HRESULTs in LastError) and unsigned (ranges up to
 * 4294967295 in the DeclaredConfiguration DDF), so an unbounded int accepts the union of both.
 */
const INT_MIN = -2147483648;
const INT_MAX = 4294967295;

const INT_RE = /^[+-]?[0-9]+$/;
const FLOAT_RE = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const DATE_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const TIME_RE = /^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;

const compiled = new Map<string, RegExp>();

/** Whether the whole of `text` matches a DDF regex; the DDF writes them unanchored. */
export function matchesWhole(pattern: string, text: string): boolean {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(`^(?:${pattern})$`)));
  return re.test(text);
}

/**
 * Why `value` is not of `format`, or undefined when it is. Booleans compare case-insensitively: Microsoft's own
 * WinDC examples send `True`.
 */
export function formatProblem(format: NodeFormat, value: string): string | undefined {
  switch (format) {
    case 'node':
      return value === '' ? undefined : 'an interior node carries no data';
    case 'null':
      return value === '' ? undefined : 'this node takes no data';
    case 'chr':
      return undefined;
    case 'int': {
      if (!INT_RE.test(value)) return `'${value}' is not an integer`;
      const n = Number(value);
      return n < INT_MIN || n > INT_MAX ? `${value} does not fit in 32 bits` : undefined;
    }
    case 'bool':
      return /^(true|false)$/i.test(value) ? undefined : `'${value}' is not true or false`;
    case 'float':
      return FLOAT_RE.test(value) ? undefined : `'${value}' is not a number`;
    case 'b64':
    case 'bin': {
      // SyncML pretty-printers wrap long base64 lines, so whitespace is not counted.
      const compact = value.replace(/\s+/g, '');
      return compact.length % 4 === 0 && B64_RE.test(compact) ? undefined : 'the value is not base64';
    }
    case 'xml':
      try {
        parseXml(value);
        return undefined;
      } catch (e) {
        return `the value is not well-formed XML (${e instanceof Error ? e.message : String(e)})`;
      }
    case 'date':
      return DATE_RE.test(value) ? undefined : `'${value}' is not a date (YYYY-MM-DD)`;
    case 'time':
      return TIME_RE.test(value) ? undefined : `'${value}' is not a time (hh:mm:ss)`;
  }
}

function allowedProblem(allowed: AllowedValues, format: NodeFormat, value: string): string | undefined {
  switch (allowed.kind) {
    case 'enum': {
      const norm = (v: string) => (format === 'int' ? String(Number(v)) : format === 'bool' ? v.toLowerCase() : v);
      if (allowed.values.some((a) => norm(a.value) === norm(value))) return undefined;
      return `${value === '' ? 'an empty value' : `'${value}'`} is not one of ${allowed.values.map((a) => a.value).join(', ')}`;
    }
    case 'range': {
      const n = Number(value);
      return n >= allowed.min && n <= allowed.max ? undefined : `${value} is outside [${allowed.min}-${allowed.max}]`;
    }
    case 'regex':
      return matchesWhole(allowed.pattern, value) ? undefined : `'${value}' does not match ${allowed.pattern}`;
  }
}

/** Checks a value (the Data of an Add, Replace or Exec) against a node's format and allowed values. */
export function validateValue(def: NodeDefinition, value: string): ValueCheck {
  const problem =
    formatProblem(def.format, value) ??
    (def.allowed && def.format !== 'node' ? allowedProblem(def.allowed, def.format, value) : undefined);
  if (problem === undefined) return { ok: true };
  return { ok: false, error: new ProtocolError('CSP_BAD_VALUE', `${def.path} (${def.format}): ${problem}`) };
}

export function assertValue(def: NodeDefinition, value: string): void {
  const check = validateValue(def, value);
  if (!check.ok) throw check.error;
}
