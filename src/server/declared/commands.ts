/**
 * The reconciler's actions as SyncML command templates for the queue, each with a dedupe key that names exactly
 * what it does, so a re-run of the reconciler (every session, any process) never queues the same thing twice
 * while the first is still open. Shapes follow seed 002's examples: documents and results as `chr`
 * `text/plain`, Abandoned as `int`.
 */
import { abandonedLocUri, documentLocUri, resultLocUri } from '../../protocol/declared/index.ts';
import type { CommandTemplate } from '../management/payload.ts';
import type { Action } from './diff.ts';

export const RECONCILER_ORIGIN = 'reconciler';

export interface QueuedAction {
  action: Action;
  command: CommandTemplate;
  dedupeKey: string;
}

const CHR = { format: 'chr', type: 'text/plain' } as const;
const INT = { format: 'int', type: 'text/plain' } as const;

/** Dedupe keys are per enrollment; these are also how a reply is traced back to its action (see replies.ts). */
export const dedupeKeys = {
  document: (id: string, checksum: string) => `dc:doc:${id.toLowerCase()}:${checksum}`,
  abandoned: (id: string, value: boolean) => `dc:abandon:${id.toLowerCase()}:${value ? 1 : 0}`,
  result: (id: string, checksum: string | null, resultChecksum: string | null) =>
    `dc:result:${id.toLowerCase()}:${checksum ?? ''}:${resultChecksum ?? ''}`,
  delete: (id: string) => `dc:delete:${id.toLowerCase()}`,
};

/**
 * `bodies` gives the text of each document a Replace sends: the stored body, whose checksum attribute is the
 * desired checksum.
 */
export function commandsFor(actions: readonly Action[], bodies: ReadonlyMap<string, string>): QueuedAction[] {
  return actions.map((action) => queuedAction(action, bodies));
}

function queuedAction(action: Action, bodies: ReadonlyMap<string, string>): QueuedAction {
  if (action.kind === 'replace-document') {
    const body = bodies.get(action.id.toLowerCase());
    if (body === undefined) throw new Error(`no body for document ${action.id}`);
    return {
      action,
      dedupeKey: dedupeKeys.document(action.id, action.checksum),
      command: {
        kind: 'Replace',
        items: [{ target: { locUri: documentLocUri(action.scope, action.host, action.id) }, meta: CHR, data: body }],
      },
    };
  }
  if (action.kind === 'set-abandoned') {
    return {
      action,
      dedupeKey: dedupeKeys.abandoned(action.id, action.value),
      command: {
        kind: 'Replace',
        items: [
          { target: { locUri: abandonedLocUri(action.scope, action.id) }, meta: INT, data: action.value ? '1' : '0' },
        ],
      },
    };
  }
  if (action.kind === 'get-result') {
    return {
      action,
      dedupeKey: dedupeKeys.result(action.id, action.checksum, action.resultChecksum),
      command: {
        kind: 'Get',
        items: [{ target: { locUri: resultLocUri(action.scope, action.host, action.id) }, meta: CHR }],
      },
    };
  }
  return {
    action,
    dedupeKey: dedupeKeys.delete(action.id),
    command: { kind: 'Delete', items: [{ target: { locUri: documentLocUri(action.scope, action.host, action.id) } }] },
  };
}
