/**
 * The DeclaredConfiguration CSP's synchronous side: what a server's Add, Replace, Delete and Get on its nodes do
 * within the session. Documents, their properties and results live in the DocumentStore, not in the node tree;
 * ManagementServiceConfiguration's leaves are ordinary nodes and fall through to the tables.
 *
 * Windows' answers where seed 002 is silent, as windc reads them:
 * - Add and Replace of `Documents/{DocID}/Document` both create (§7.5 of the research; Learn creates with either),
 *   Add of an existing document is 418; a Replace with byte-identical text leaves a healthy document alone;
 * - a document is accepted with 200 (the session returns at once, the work is asynchronous);
 * - Results/{DocID}/Document is 404 until the document's processing has finished once;
 * - `Properties/Abandoned` = 1 stops refresh and releases ownership, 0 re-applies at once; Delete of it is 0;
 * - Add of the `{DocID}` interior node is accepted and does nothing: the document appears with its Document.
 */
import { allows, validateValue } from '../../protocol/csp/index.ts';
import {
  buildResult,
  checkInstances,
  DC_STATES,
  HOST_KINDS,
  type HostKind,
  isError,
  parseInstanceBlob,
} from '../../protocol/declared/index.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { StatusCode } from '../../protocol/syncml/index.ts';
import type { NodeAddress } from '../csp/path.ts';
import type { CspHandler, CspOperation, ItemOutcome } from '../csp/types.ts';
import { declaredCommandFailure } from '../events/event-text.ts';
import { HResult } from '../hresult.ts';
import type { DeclaredContext } from './context.ts';
import { requestState } from './orchestrator.ts';
import { type DocumentRecord, operationOf, ownerKey, recordKey } from './record.ts';
import { syncCheck } from './sync-check.ts';

export interface HandlerHooks {
  /** Starts the asynchronous processing of a record that is in its request state. */
  start(rec: DocumentRecord): void;
  /** A document was written: the refresh schedule exists whenever documents do. */
  documentsChanged(): void;
  /** RefreshInterval was written: the next refresh is one new interval from now. */
  intervalChanged(): void;
}

const ROOT = 'declaredconfiguration';

/** How the configuration manager names commands on this CSP; seed 001 shows "SetValue: from Replace". */
const DECLARED_COMMAND_TYPE: Readonly<Record<CspOperation['command'], string>> = {
  Add: 'SetValue: from Add',
  Replace: 'SetValue: from Replace',
  Delete: 'Delete',
  Exec: 'Execute',
  Get: 'GetValue',
};

function hostOf(addr: NodeAddress): HostKind | undefined {
  const h = addr.segments[2]?.toLowerCase();
  return HOST_KINDS.find((k) => k.toLowerCase() === h);
}

export class DeclaredCspHandler implements CspHandler {
  constructor(
    private readonly ctx: DeclaredContext,
    private readonly hooks: HandlerHooks,
  ) {}

  handle(op: CspOperation): ItemOutcome | undefined {
    const addr = op.resolution.addr;
    if (addr?.space !== 'msft' || addr.segments[0]?.toLowerCase() !== ROOT) return undefined;
    const gated = this.gate(op, addr);
    if (gated) return gated;
    const res = op.resolution;
    if (res.kind !== 'catalogued') return this.fail(op, StatusCode.NOT_FOUND, HResult.OMADM_NODE_NOT_FOUND);
    const path = res.match.node.path.slice('DeclaredConfiguration'.length).replace(/^\//, '');
    if (path.startsWith('ManagementServiceConfiguration')) {
      if (path.endsWith('/RefreshInterval') && op.command !== 'Get') {
        op.tx.afterCommit(() => this.hooks.intervalChanged());
      }
      return undefined;
    }
    if (!allows(res.match.node, op.command))
      return this.fail(op, StatusCode.COMMAND_NOT_ALLOWED, HResult.ACCESS_DENIED);
    const shape = path.replace(/^Host\/[^/]+/, 'Host/*');
    const host = hostOf(addr);
    const docId = res.match.captures.DocID;
    const rec = docId && host ? this.live(op, docId) : undefined;
    const sameHost = rec && rec.host === host ? rec : undefined;
    // A completed delete keeps its result (operation Delete, state 70) for as long as the summary lists it.
    const any = docId ? this.ctx.docs.get(op.account.id, addr.scope, docId) : undefined;
    const withResult = any?.result && any.host === host ? any : undefined;
    switch (shape) {
      case 'Host/*/Documents/{DocID}/Document':
        return this.document(op, host as HostKind, docId as string, rec);
      case 'Host/*/Documents/{DocID}/Properties/Abandoned':
        return this.abandoned(op, sameHost);
      case 'Host/*/Documents/{DocID}/BulkVariables/Value':
        return this.bulkVariables(op, sameHost);
      case 'Host/*/Results/{DocID}/Document':
        if (!withResult?.result) return { code: StatusCode.NOT_FOUND };
        return { code: StatusCode.OK, value: buildResult(withResult.result), format: 'chr' };
      case 'Host/*/Results/{DocID}':
        return withResult ? { code: StatusCode.OK, value: 'Document', format: 'node' } : this.missing(op);
      default:
        return this.interior(op, shape, addr, host, sameHost);
    }
  }

  /** 406 for what this account does not support (the 26200 capture's probes on a primary enrollment). */
  private gate(op: CspOperation, addr: NodeAddress): ItemOutcome | undefined {
    const f = op.account.features;
    const s = addr.segments.map((x) => x.toLowerCase());
    const unsupported =
      (addr.scope === 'User' && !f.userScope) ||
      (s[1] === 'host' && !f.documents) ||
      (s[1] === 'host' && s[2] === 'bulktemplate' && !f.bulkTemplate) ||
      (s[1] === 'managementserviceconfiguration' && !f.managementServiceConfiguration);
    return unsupported ? { code: StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED } : undefined;
  }

  private live(op: CspOperation, docId: string): DocumentRecord | undefined {
    const rec = this.ctx.docs.get(op.account.id, op.resolution.addr?.scope ?? 'Device', docId);
    return rec && !rec.tombstone ? rec : undefined;
  }

  private fail(op: CspOperation, code: number, hresult: number): ItemOutcome {
    if (op.command !== 'Get') {
      this.log('Admin', 'Error', {
        sourceId: op.account.id,
        enrollmentName: op.account.enrollmentName,
        cspName: 'DeclaredConfiguration',
        commandType: DECLARED_COMMAND_TYPE[op.command],
        locUri: op.locUri,
        hresult,
      });
    }
    return { code, hresult };
  }

  /** The document a node belongs to does not exist: Windows' "file not found", logged for writes. */
  private missing(op: CspOperation): ItemOutcome {
    return op.command === 'Get'
      ? { code: StatusCode.NOT_FOUND }
      : this.fail(op, StatusCode.NOT_FOUND, HResult.FILE_NOT_FOUND);
  }

  private log(channel: 'Admin', level: 'Error', f: Parameters<typeof declaredCommandFailure>[0]): void {
    this.ctx.events.append({ time: this.time(), channel, level, message: declaredCommandFailure(f) });
  }

  private time(): string {
    return new Date(this.ctx.now()).toISOString();
  }

  /** Puts a new version of a record in place, undone if the command's Atomic fails. */
  private replace(op: CspOperation, prev: DocumentRecord | undefined, next: DocumentRecord): void {
    this.ctx.docs.put(next);
    op.tx.onRollback(() => (prev ? this.ctx.docs.put(prev) : this.ctx.docs.remove(next)));
  }

  private document(op: CspOperation, host: HostKind, docId: string, rec: DocumentRecord | undefined): ItemOutcome {
    if (op.command === 'Get') {
      return rec && rec.host === host ? { code: StatusCode.OK, value: rec.text, format: 'chr' } : this.missing(op);
    }
    if (op.command === 'Delete') return this.remove(op, rec && rec.host === host ? rec : undefined);
    if (op.command === 'Add' && rec) return this.fail(op, StatusCode.ALREADY_EXISTS, HResult.ALREADY_EXISTS);
    if (op.format !== undefined && !['chr', 'xml'].includes(op.format.toLowerCase())) {
      return this.fail(op, StatusCode.UNSUPPORTED_MEDIA_TYPE, HResult.INVALID_PARAMETER);
    }
    const text = op.data ?? '';
    const command = op.command === 'Add' ? 'Add' : 'Replace';
    const check = syncCheck({ locUri: op.locUri, text, command, account: op.account, identity: this.ctx.identity });
    for (const e of check.events) this.ctx.events.append({ time: this.time(), ...e });
    if (!check.ok) return { code: check.code, hresult: check.hresult };
    if (rec && rec.host === host && rec.text === text && !rec.pending && !isError(rec.state)) {
      return { code: StatusCode.OK };
    }
    const family = operationOf(host, check.document.scenario);
    const stored = this.ctx.docs.get(op.account.id, op.resolution.addr?.scope ?? 'Device', docId);
    const next: DocumentRecord = {
      accountId: op.account.id,
      key: recordKey(check.document.context, docId),
      scope: check.document.context,
      host,
      docId: rec?.docId ?? docId,
      seq: rec?.seq ?? this.ctx.docs.seq(),
      text,
      document: check.document,
      abandoned: rec?.abandoned ?? false,
      state: requestState(family),
      pending: family,
      generation: (stored?.generation ?? 0) + 1,
      writtenUris: rec?.writtenUris ?? [],
    };
    if (rec?.bulkVariables !== undefined && rec.host === host) next.bulkVariables = rec.bulkVariables;
    this.replace(op, stored, next);
    op.tx.afterCommit(() => {
      this.hooks.start(next);
      this.hooks.documentsChanged();
    });
    return { code: StatusCode.OK };
  }

  private remove(op: CspOperation, rec: DocumentRecord | undefined): ItemOutcome {
    if (!rec) return this.fail(op, StatusCode.NOT_FOUND, HResult.FILE_NOT_FOUND);
    if (rec.pending === 'delete') return { code: StatusCode.OK };
    const next: DocumentRecord = {
      ...rec,
      state: DC_STATES.DeleteRequest,
      pending: 'delete',
      generation: rec.generation + 1,
    };
    this.replace(op, rec, next);
    op.tx.afterCommit(() => this.hooks.start(next));
    return { code: StatusCode.OK };
  }

  private abandoned(op: CspOperation, rec: DocumentRecord | undefined): ItemOutcome {
    if (!rec) return this.missing(op);
    if (op.command === 'Get') return { code: StatusCode.OK, value: rec.abandoned ? '1' : '0', format: 'int' };
    let value = '0';
    if (op.command !== 'Delete') {
      if (op.format !== undefined && op.format.toLowerCase() !== 'int') {
        return this.fail(op, StatusCode.UNSUPPORTED_MEDIA_TYPE, HResult.INVALID_PARAMETER);
      }
      const def = op.resolution.kind === 'catalogued' ? op.resolution.match.node : undefined;
      value = (op.data ?? '').trim();
      if (!def || !validateValue(def, value).ok)
        return this.fail(op, StatusCode.BAD_REQUEST, HResult.INVALID_PARAMETER);
    }
    const abandon = Number(value) === 1;
    if (abandon === rec.abandoned) return { code: StatusCode.OK };
    if (abandon) {
      this.replace(op, rec, { ...rec, abandoned: true });
      op.tx.afterCommit(() => this.ctx.ownership.release(ownerKey(rec)));
      return { code: StatusCode.OK };
    }
    // Unabandon: "applied right away", and ownership returns to WinDC when it completes.
    const family = operationOf(rec.host, rec.document.scenario);
    const next: DocumentRecord = {
      ...rec,
      abandoned: false,
      state: requestState(family),
      pending: family,
      generation: rec.generation + 1,
    };
    this.replace(op, rec, next);
    op.tx.afterCommit(() => this.hooks.start(next));
    return { code: StatusCode.OK };
  }

  private bulkVariables(op: CspOperation, rec: DocumentRecord | undefined): ItemOutcome {
    if (!rec) return this.missing(op);
    if (op.command === 'Get') {
      return rec.bulkVariables === undefined
        ? { code: StatusCode.NOT_FOUND }
        : { code: StatusCode.OK, value: rec.bulkVariables, format: 'chr' };
    }
    if (op.command === 'Delete') {
      if (rec.bulkVariables === undefined) return this.fail(op, StatusCode.NOT_FOUND, HResult.FILE_NOT_FOUND);
      const { bulkVariables: _gone, ...rest } = rec;
      this.replace(op, rec, rest);
      return { code: StatusCode.OK };
    }
    if (op.command === 'Add' && rec.bulkVariables !== undefined) {
      return this.fail(op, StatusCode.ALREADY_EXISTS, HResult.ALREADY_EXISTS);
    }
    const text = op.data ?? '';
    try {
      checkInstances(rec.document, parseInstanceBlob(text));
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      return this.fail(op, e.syncmlStatus, HResult.INVALID_PARAMETER);
    }
    const next: DocumentRecord = {
      ...rec,
      bulkVariables: text,
      state: requestState('config'),
      pending: 'config',
      generation: rec.generation + 1,
    };
    this.replace(op, rec, next);
    op.tx.afterCommit(() => this.hooks.start(next));
    return { code: StatusCode.OK };
  }

  private interior(
    op: CspOperation,
    shape: string,
    addr: NodeAddress,
    host: HostKind | undefined,
    rec: DocumentRecord | undefined,
  ): ItemOutcome {
    const perDoc = shape.includes('{DocID}');
    if (perDoc && !rec && op.command !== 'Add') return { code: StatusCode.NOT_FOUND };
    if (op.command === 'Add') {
      if (shape === 'Host/*/Documents/{DocID}') return { code: rec ? StatusCode.ALREADY_EXISTS : StatusCode.OK };
      return perDoc && !rec ? { code: StatusCode.NOT_FOUND } : { code: StatusCode.ALREADY_EXISTS };
    }
    if (op.command === 'Delete') return this.deleteInterior(op, shape, addr, host, rec);
    return { code: StatusCode.OK, value: this.children(op, shape, addr, host, rec).join('/'), format: 'node' };
  }

  private children(
    op: CspOperation,
    shape: string,
    addr: NodeAddress,
    host: HostKind | undefined,
    rec: DocumentRecord | undefined,
  ): string[] {
    const f = op.account.features;
    const docs = host ? this.ctx.docs.inHost(op.account.id, addr.scope, host) : [];
    switch (shape) {
      case '':
        return addr.scope === 'Device' && f.managementServiceConfiguration
          ? ['Host', 'ManagementServiceConfiguration']
          : ['Host'];
      case 'Host':
        return HOST_KINDS.filter((k) => k !== 'BulkTemplate' || f.bulkTemplate);
      case 'Host/*':
        return ['Documents', 'Results'];
      case 'Host/*/Documents':
        return docs.map((d) => d.document.id);
      case 'Host/*/Results':
        return this.ctx.docs
          .list(op.account.id)
          .filter((d) => d.result && d.scope === addr.scope && d.host === host)
          .map((d) => d.document.id);
      case 'Host/*/Documents/{DocID}/Properties':
        return ['Abandoned'];
      case 'Host/*/Documents/{DocID}/BulkVariables':
        return rec?.bulkVariables === undefined ? [] : ['Value'];
      default:
        return [
          'Document',
          ...(host === 'Complete' ? ['Properties'] : host === 'BulkTemplate' ? ['BulkVariables'] : []),
        ];
    }
  }

  private deleteInterior(
    op: CspOperation,
    shape: string,
    addr: NodeAddress,
    host: HostKind | undefined,
    rec: DocumentRecord | undefined,
  ): ItemOutcome {
    switch (shape) {
      case 'Host/*/Documents/{DocID}':
        return this.remove(op, rec);
      case 'Host/*/Documents/{DocID}/Properties':
        return this.abandoned({ ...op, command: 'Delete' }, rec);
      case 'Host/*/Documents/{DocID}/BulkVariables':
        return this.bulkVariables({ ...op, command: 'Delete' }, rec);
      default: {
        const hosts = host ? [host] : HOST_KINDS;
        for (const h of hosts) for (const d of this.ctx.docs.inHost(op.account.id, addr.scope, h)) this.remove(op, d);
        return { code: StatusCode.OK };
      }
    }
  }
}
