/**
 * `/api/v1/documents`: declared documents and their status across devices. Delete is explained as what it is
 * (the document leaves the devices, its settings stay); abandon is how to stop enforcement.
 */
import type { FastifyInstance } from 'fastify';
import { type DeclaredStatus, emptyCounts, type StoreTx } from '../../store/index.ts';
import { type DocumentInput, hostFor } from '../declared/document-input.ts';
import {
  createDocument,
  type DocumentWrite,
  deleteDocument,
  type Labels,
  setAbandoned,
  touchDocument,
  updateDocument,
} from '../declared/documents.ts';
import { countsFor, deviceDocumentView, documentView, rollupFor } from '../declared/views.ts';
import { notFound } from './errors.ts';
import { type AdminContext, actor } from './plugin.ts';
import {
  arr,
  changed,
  counts,
  document,
  documentIdParam,
  documentInput,
  int,
  out,
  pageQuery,
  statusEnum,
  str,
} from './schemas.ts';

const TAGS = ['documents'];

export const DELETE_NOTE =
  'Devices get a Delete of the document at their next session. The settings it applied stay on them ("tattoo"); ' +
  'to stop enforcement but keep managing the document, abandon it instead.';

async function full(store: StoreTx, id: string) {
  const doc = await store.documents.get(id);
  if (!doc) throw notFound(`document ${id}`);
  const meta = (await store.declared.documents.getMeta([id])).get(id);
  return {
    ...documentView(doc, meta),
    xml: doc.body,
    sets: await store.assignments.documentSets(id),
    rollup: await rollupFor(store, id),
  };
}

function written(w: DocumentWrite) {
  return { changed: w.changed, document: documentView(w.document, w.meta) };
}

export function documentRoutes(app: FastifyInstance, { ctx }: AdminContext): void {
  const { store } = ctx;

  app.get(
    '/documents',
    {
      schema: {
        summary: 'List documents with devices per status',
        tags: TAGS,
        querystring: pageQuery(),
        response: { 200: out({ documents: arr(document), next: str('`after` for the next page, if any') }) },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; after?: string };
      const list = await store.documents.list({ limit: q.limit, after: q.after });
      const ids = list.map((d) => d.id);
      const [metas, all, unreported] = [
        await store.declared.documents.getMeta(ids),
        await store.declared.status.countsByDocument(),
        await store.declared.status.unreportedByDocument(ids),
      ];
      // Pending as the document's own page counts it: devices it reaches that have not been reconciled yet too.
      const documents = list.map((d) => {
        const notReported = unreported.get(d.id) ?? 0;
        const counts = all.get(d.id) ?? (notReported > 0 ? emptyCounts() : null);
        if (counts) counts.pending += notReported;
        return { ...documentView({ ...d, body: '' }, metas.get(d.id)), rollup: { counts, notReported } };
      });
      const limit = q.limit ?? 100;
      return { documents, ...(list.length === limit ? { next: list.at(-1)?.id } : {}) };
    },
  );

  app.post(
    '/documents',
    {
      schema: {
        summary: 'Create a document; windc assigns its GUID and checksum',
        description:
          'Either `scenario` with `dsc` and/or `csp` blocks, or a whole `xml` document. Configuration scenarios go ' +
          'to Host/Complete, inventory scenarios (…Inventory) to Host/Inventory. Refused with the protocol codes ' +
          '(DC_*) where a device would refuse it, and with DOCUMENT_* for what a device accepts but never does as meant.',
        tags: TAGS,
        body: documentInput,
        response: { 201: changed({ document }) },
      },
    },
    async (req, reply) => {
      const w = await createDocument(store, req.body as DocumentInput & Labels, actor(req));
      return reply.status(201).send(written(w));
    },
  );

  app.get(
    '/documents/:id',
    {
      schema: {
        summary: 'A document, its XML, sets and roll-up',
        tags: TAGS,
        params: documentIdParam,
        response: { 200: document },
      },
    },
    async (req) => full(store, (req.params as { id: string }).id),
  );

  app.put(
    '/documents/:id',
    {
      schema: {
        summary: 'A new revision: same id, a new checksum when the content changed',
        tags: TAGS,
        params: documentIdParam,
        body: documentInput,
        response: { 200: changed({ document }) },
      },
    },
    async (req) =>
      written(
        await updateDocument(store, (req.params as { id: string }).id, req.body as DocumentInput & Labels, actor(req)),
      ),
  );

  app.delete(
    '/documents/:id',
    {
      schema: {
        summary: 'Delete a document: removed from devices, its settings stay (tattoo)',
        description: DELETE_NOTE,
        tags: TAGS,
        params: documentIdParam,
        response: { 200: changed({ note: str() }) },
      },
    },
    async (req) => {
      const r = await deleteDocument(store, (req.params as { id: string }).id, actor(req), ctx.now());
      return { changed: r.changed, note: DELETE_NOTE };
    },
  );

  app.post(
    '/documents/:id/touch',
    {
      schema: {
        summary: 'New checksum for the same content: every device re-applies it',
        tags: TAGS,
        params: documentIdParam,
        response: { 200: changed({ document }) },
      },
    },
    async (req) => written(await touchDocument(store, (req.params as { id: string }).id, actor(req))),
  );

  for (const [verb, value] of [
    ['abandon', true],
    ['unabandon', false],
  ] as const) {
    app.post(
      `/documents/:id/${verb}`,
      {
        schema: {
          summary: value
            ? 'Stop enforcement: devices keep what was applied and stop repairing drift (Properties/Abandoned = 1)'
            : 'Resume enforcement: devices re-apply at once (Properties/Abandoned = 0)',
          tags: TAGS,
          params: documentIdParam,
          response: { 200: changed({ document }) },
        },
      },
      async (req) => written(await setAbandoned(store, (req.params as { id: string }).id, value, actor(req))),
    );
  }

  app.get(
    '/documents/:id/devices',
    {
      schema: {
        summary: 'Per device: desired and reported version, state, result and derived status',
        tags: TAGS,
        params: documentIdParam,
        querystring: pageQuery({ status: statusEnum }),
        response: {
          200: out({
            documentId: str(),
            kind: str(),
            counts,
            devices: arr(out({ deviceId: str(), enrollmentId: int(), status: statusEnum })),
            next: int(),
          }),
        },
      },
    },
    async (req) => {
      const id = (req.params as { id: string }).id;
      const q = req.query as { limit?: number; after?: string; status?: DeclaredStatus };
      const doc = await store.documents.get(id);
      const tomb = doc ? undefined : (await store.declared.documents.getTombstones([id])).get(id);
      if (!doc && !tomb) throw notFound(`document ${id}`);
      const limit = q.limit ?? 100;
      const after = q.after === undefined ? undefined : Number(q.after);
      const rows = await store.declared.status.listForDocument(id, { limit, after, status: q.status });
      // Devices the document reaches that were never reconciled are pending, as the roll-up counts them: merged
      // in by enrollment id, so that paging by `after` walks both.
      const pending = q.status === undefined || q.status === 'pending';
      const unreported = pending ? await store.declared.status.unreportedForDocument(id, { limit, after }) : [];
      const entries = [
        ...rows.map((row) => ({ enrollmentId: row.enrollmentId, row })),
        ...unreported.map((enrollmentId) => ({ enrollmentId, row: undefined })),
      ]
        .sort((a, b) => a.enrollmentId - b.enrollmentId)
        .slice(0, limit);
      const devices = [];
      for (const { enrollmentId, row } of entries) {
        const e = await store.devices.getEnrollment(enrollmentId);
        const reported = await store.reports.get(enrollmentId, id);
        devices.push({
          deviceId: e?.deviceId ?? null,
          enrollmentId,
          ...deviceDocumentView(id, row, reported, e?.lastReportAt ?? null),
        });
      }
      const { counts } = await countsFor(store, id);
      return {
        documentId: id,
        kind: hostFor((doc ?? tomb)!.scenario) === 'Inventory' ? 'inventory' : 'configuration',
        deleted: doc === undefined,
        counts,
        devices,
        ...(entries.length === limit ? { next: entries.at(-1)?.enrollmentId } : {}),
      };
    },
  );
}
