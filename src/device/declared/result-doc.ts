/**
 * The DeclaredConfigurationResult a document's processing produces. `result_checksum` is windc's construction over
 * the canonical result (src/protocol/declared/canonical.ts), which leaves the timestamp out; the timestamp moves
 * only when the checksum does, so a refresh that finds nothing changed reports nothing new.
 */
import {
  type DcState,
  type DeclaredConfigurationResult,
  formatResultTimestamp,
  type ResultBlock,
  type ResultOperation,
  SCHEMA_VERSION,
  withResultChecksum,
} from '../../protocol/declared/index.ts';
import type { DocumentRecord } from './record.ts';

export function makeResult(
  rec: DocumentRecord,
  operation: ResultOperation,
  state: DcState,
  blocks: ResultBlock[],
  now: number,
): DeclaredConfigurationResult {
  const d = rec.document;
  const base: DeclaredConfigurationResult = {
    context: d.context,
    schema: SCHEMA_VERSION,
    id: d.id,
    scenario: d.scenario,
    checksum: d.checksum,
    resultChecksum: '',
    resultTimestamp: formatResultTimestamp(new Date(now)),
    operation,
    state,
    blocks,
  };
  // The result echoes the request's spelling of context (Learn's VPN example: context="user").
  if (d.contextAsWritten !== undefined) base.contextAsWritten = d.contextAsWritten;
  const r = withResultChecksum(base);
  const prev = rec.result;
  if (prev && prev.resultChecksum === r.resultChecksum && prev.resultTimestamp) {
    r.resultTimestamp = prev.resultTimestamp;
  }
  return r;
}

/** The same blocks with every state set to one value: how a completed delete reports the document's resources. */
export function restate(blocks: readonly ResultBlock[], state: DcState): ResultBlock[] {
  return blocks.map((b) =>
    b.kind === 'DSC'
      ? { ...b, state, properties: b.properties.map((p) => ({ ...p, value: '' })) }
      : { ...b, state, uris: b.uris.map((u) => ({ ...u, state, value: '' })) },
  );
}
