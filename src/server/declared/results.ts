/**
 * Result documents as windc keeps and shows them. A result is fetched for a reported (checksum, result_checksum)
 * and stored with those, so "is the stored result current?" never depends on the device computing
 * result_checksum the way windc would (its algorithm is unpublished; research §6.2).
 */
import {
  type DeclaredConfigurationResult,
  isDcState,
  parseResult,
  stateName,
  validateResultTarget,
} from '../../protocol/declared/index.ts';
import type { ReportedDocument } from '../../store/index.ts';
import type { ReportedEntry } from './diff.ts';

export interface StoredResult {
  /** The document checksum the device reported when the result was fetched. */
  forChecksum: string | null;
  result: DeclaredConfigurationResult;
}

export function isStoredResult(v: unknown): v is StoredResult {
  return typeof v === 'object' && v !== null && 'result' in v && 'forChecksum' in v;
}

/** The report row in the diff's terms. */
export function reportedEntry(r: ReportedDocument): ReportedEntry {
  const stored = isStoredResult(r.result) ? r.result : undefined;
  return {
    id: r.documentId,
    checksum: r.checksum,
    resultChecksum: r.resultChecksum,
    state: r.state,
    abandoned: r.abandoned,
    fetched: stored ? { checksum: stored.forChecksum, resultChecksum: r.fetchedResultChecksum } : undefined,
  };
}

const SUCCESS = new Set([60, 63, 80]);

function ok(state: number, status: string | undefined): boolean {
  return SUCCESS.has(state) && (status === undefined || status === '200');
}

/** Every DSC, CSP and URI in the result succeeded. */
export function allSucceeded(result: DeclaredConfigurationResult): boolean {
  if (!SUCCESS.has(result.state)) return false;
  return result.blocks.every((b) =>
    b.kind === 'DSC' ? ok(b.state, b.status) : ok(b.state, b.status) && b.uris.every((u) => ok(u.state, u.status)),
  );
}

/** The stored result applies to what the device reports now. */
export function currentResult(r: ReportedDocument): DeclaredConfigurationResult | undefined {
  const e = reportedEntry(r);
  if (!e.fetched || e.fetched.checksum !== r.checksum || e.fetched.resultChecksum !== r.resultChecksum)
    return undefined;
  return (r.result as StoredResult).result;
}

/** Parses a Results item for `…/Results/{DocID}/Document`; throws ProtocolError for anything else. */
export function readResultItem(source: string, data: string, requested?: string): DeclaredConfigurationResult {
  const result = parseResult(data);
  validateResultTarget(result, source, requested);
  return result;
}

export interface ResultView {
  state: number;
  stateName: string | null;
  operation: string;
  resultChecksum: string;
  timestamp: string | null;
  /** Per DSC block, CSP block and URI: what an admin reads to see what failed. */
  resources: {
    kind: 'DSC' | 'CSP' | 'URI';
    name: string;
    status: string | null;
    state: number;
    stateName: string | null;
    /** Inventory values (Get results only). */
    values?: Record<string, string> | undefined;
  }[];
}

const named = (s: number) => (isDcState(s) ? stateName(s) : null);

export function resultView(result: DeclaredConfigurationResult): ResultView {
  const resources: ResultView['resources'] = [];
  for (const b of result.blocks) {
    if (b.kind === 'DSC') {
      const values = Object.fromEntries(b.properties.filter((p) => p.value !== '').map((p) => [p.name, p.value]));
      resources.push({
        kind: 'DSC',
        name: b.className,
        status: b.status ?? null,
        state: b.state,
        stateName: named(b.state),
        ...(Object.keys(values).length > 0 ? { values } : {}),
      });
    } else {
      resources.push({
        kind: 'CSP',
        name: b.name,
        status: b.status ?? null,
        state: b.state,
        stateName: named(b.state),
      });
      for (const u of b.uris) {
        resources.push({
          kind: 'URI',
          name: `${b.name}/${u.path}`,
          status: u.status ?? null,
          state: u.state,
          stateName: named(u.state),
          ...(u.value !== '' ? { values: { [u.path]: u.value } } : {}),
        });
      }
    }
  }
  return {
    state: result.state,
    stateName: named(result.state),
    operation: result.operation,
    resultChecksum: result.resultChecksum,
    timestamp: result.resultTimestamp ?? null,
    resources,
  };
}

/** The resources that failed, for an error's detail line. */
export function failingResources(result: DeclaredConfigurationResult): string[] {
  return resultView(result)
    .resources.filter((r) => !ok(r.state, r.status ?? undefined))
    .map((r) => `${r.name} (${r.status ?? r.stateName ?? r.state})`);
}
