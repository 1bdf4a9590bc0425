/**
 * `/api/v1/devices`: per device, every document's desired and reported version, state, result and derived status,
 * its settings and its linking progress; and the explicit actions an admin takes on one device (resync, link,
 * unlink).
 */
import type { FastifyInstance } from 'fastify';
import type { Device, Enrollment, Store } from '../../store/index.ts';
import { announce, publish } from '../declared/events.ts';
import { requestLink, requestUnlink } from '../declared/linking.ts';
import { reconcileEnrollment } from '../declared/reconcile.ts';
import { linkEvent, queueLink } from '../declared/reconcile-link.ts';
import { deviceDocumentView, stateLabel } from '../declared/views.ts';
import { ApiError, notFound } from './errors.ts';
import { type AdminContext, actor } from './plugin.ts';
import { arr, changed, deviceParam, int, obj, out, pageQuery, str } from './schemas.ts';

const TAGS = ['devices'];

async function device(store: Store, deviceId: string): Promise<{ device: Device; enrollments: Enrollment[] }> {
  const d = await store.devices.getDevice({ deviceId });
  if (!d) throw notFound(`device ${deviceId}`);
  const enrollments = await store.devices.listEnrollments({ deviceId, status: 'active' });
  return { device: d, enrollments };
}

function enrollmentView(e: Enrollment) {
  return {
    id: e.id,
    kind: e.kind,
    status: e.status,
    enrolledAt: e.enrolledAt,
    lastSeenAt: e.lastSeenAt,
    lastReportAt: e.lastReportAt,
    devInfo: e.devInfo,
  };
}

/**
 * Every document a device's page shows (desired, with a status row, or reported), each once, with its row and
 * report. The device list counts statuses over the same entries, so the two cannot disagree.
 */
async function documentEntries(store: Store, linked: Enrollment | undefined, devicePk: number) {
  const desired = await store.declared.documents.desiredForDevice(devicePk);
  const rows = linked ? await store.declared.status.list(linked.id) : [];
  const reported = linked ? await store.reports.listForEnrollment(linked.id) : [];
  const ids = new Map<string, string>();
  for (const id of [
    ...desired.map((d) => d.id),
    ...rows.map((r) => r.documentId),
    ...reported.map((r) => r.documentId),
  ]) {
    if (!ids.has(id.toLowerCase())) ids.set(id.toLowerCase(), id);
  }
  return [...ids.entries()].sort().map(([key, id]) => ({
    id,
    row: rows.find((r) => r.documentId.toLowerCase() === key),
    reported: reported.find((r) => r.documentId.toLowerCase() === key),
  }));
}

async function documentsOf(store: Store, linked: Enrollment | undefined, devicePk: number) {
  const entries = await documentEntries(store, linked, devicePk);
  const metas = await store.declared.documents.getMeta(entries.map((e) => e.id));
  return entries.map((e) => ({
    name: metas.get(e.id)?.name ?? null,
    ...deviceDocumentView(e.id, e.row, e.reported, linked?.lastReportAt ?? null),
  }));
}

export function deviceRoutes(app: FastifyInstance, { ctx, deps }: AdminContext): void {
  const { store } = ctx;

  app.get(
    '/devices',
    {
      schema: {
        summary: 'List devices with their enrollments and documents per status',
        tags: TAGS,
        querystring: pageQuery(),
        response: { 200: out({ devices: arr(out({ deviceId: str() })), next: str() }) },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; after?: string };
      const limit = q.limit ?? 100;
      const list = await store.devices.listDevices({
        limit,
        after: q.after === undefined ? undefined : Number(q.after),
      });
      const devices = [];
      for (const d of list) {
        const enrollments = await store.devices.listEnrollments({ deviceId: d.deviceId, status: 'active' });
        const linked = enrollments.find((e) => e.kind === 'linked');
        // As the device's page shows them: a document without a status row yet is pending.
        const statuses: Record<string, number> = {};
        for (const { row } of await documentEntries(store, linked, d.pk)) {
          const status = row?.status ?? 'pending';
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
        devices.push({ deviceId: d.deviceId, enrollments: enrollments.map(enrollmentView), statuses });
      }
      return { devices, ...(list.length === limit ? { next: String(list.at(-1)?.pk) } : {}) };
    },
  );

  app.get(
    '/devices/:deviceId',
    {
      schema: {
        summary: 'A device: enrollments, groups, documents with status and results, settings, linking',
        tags: TAGS,
        params: deviceParam,
        response: { 200: out({ deviceId: str(), documents: arr(out({})) }) },
      },
    },
    async (req) => {
      const { device: d, enrollments } = await device(store, (req.params as { deviceId: string }).deviceId);
      const linked = enrollments.find((e) => e.kind === 'linked');
      const primary = enrollments.find((e) => e.kind === 'primary');
      const ruleGroups = new Set(await store.declared.groups.ruleGroupsOf(d.pk));
      return {
        deviceId: d.deviceId,
        hwDevId: d.hwDevId,
        enrollments: enrollments.map(enrollmentView),
        groups: (await store.assignments.deviceGroups(d.pk)).map((g) => ({
          name: g,
          source: ruleGroups.has(g) ? 'rule' : 'static',
        })),
        sets: await store.assignments.setsForDevice(d.pk),
        documents: await documentsOf(store, linked, d.pk),
        settings: linked ? await store.declared.settings.list(linked.id) : [],
        link: primary ? ((await store.declared.links.get(primary.id)) ?? null) : null,
      };
    },
  );

  const docParams = obj(
    {
      deviceId: (deviceParam.properties as Record<string, Record<string, unknown>>).deviceId!,
      id: str('Document GUID'),
    },
    ['deviceId', 'id'],
  );
  app.get(
    '/devices/:deviceId/documents/:id',
    {
      schema: {
        summary: 'One document on one device, with its state transition history',
        tags: TAGS,
        params: docParams,
        querystring: pageQuery(),
        response: { 200: out({ documentId: str(), history: arr(out({})) }) },
      },
    },
    async (req) => {
      const { deviceId, id } = req.params as { deviceId: string; id: string };
      const { enrollments } = await device(store, deviceId);
      const linked = enrollments.find((e) => e.kind === 'linked');
      if (!linked) throw notFound(`a WinDC enrollment of device ${deviceId}`);
      const q = req.query as { limit?: number; after?: string };
      const row = (await store.declared.status.list(linked.id)).find(
        (r) => r.documentId.toLowerCase() === id.toLowerCase(),
      );
      const reported = await store.reports.get(linked.id, row?.documentId ?? id);
      const history = await store.reports.history(linked.id, row?.documentId ?? id, {
        limit: q.limit,
        after: q.after === undefined ? undefined : Number(q.after),
      });
      return {
        ...deviceDocumentView(row?.documentId ?? id, row, reported, linked.lastReportAt),
        history: history.map((t) => ({
          ...t,
          fromStateName: stateLabel(t.fromState),
          toStateName: stateLabel(t.toState),
        })),
      };
    },
  );

  app.post(
    '/devices/:deviceId/resync',
    {
      schema: {
        summary: 'Re-send every desired document and setting at the next session, whatever the device reported',
        tags: TAGS,
        params: deviceParam,
        response: { 200: changed({ queued: int() }) },
      },
    },
    async (req) => {
      const { deviceId } = req.params as { deviceId: string };
      const { enrollments } = await device(store, deviceId);
      const linked = enrollments.find((e) => e.kind === 'linked');
      if (!linked) throw notFound(`a WinDC enrollment of device ${deviceId}`);
      const r = await reconcileEnrollment(deps, linked, { resync: true });
      await store.audit.append({
        actor: actor(req),
        action: 'device.resync',
        target: deviceId,
        details: { queued: r.queued },
      });
      return { changed: r.queued > 0, queued: r.queued };
    },
  );

  for (const verb of ['link', 'unlink'] as const) {
    app.post(
      `/devices/:deviceId/${verb}`,
      {
        schema: {
          summary:
            verb === 'link'
              ? 'Link: set LinkedEnrollment/DiscoveryEndpoint to windc and Exec Enroll (windc must be the primary MDM)'
              : 'Exec LinkedEnrollment/Unenroll: Windows removes the WinDC enrollment and rolls back what it set',
          tags: TAGS,
          params: deviceParam,
          response: { 200: changed({ link: out({ state: str() }) }) },
        },
      },
      async (req) => {
        const { deviceId } = req.params as { deviceId: string };
        const { enrollments } = await device(store, deviceId);
        const primary = enrollments.find((e) => e.kind === 'primary');
        if (!primary) {
          throw new ApiError(
            'LINK_NOT_PRIMARY',
            `device ${deviceId} has no primary enrollment at windc: its MDM must send the linking commands (windc link-syncml)`,
          );
        }
        const prev = await store.declared.links.get(primary.id);
        const now = ctx.now();
        let lastEventId = 0;
        const link = await store.transaction(async (tx) => {
          const base =
            verb === 'link' ? requestLink(primary.id, deps.discoveryUrl, now) : requestUnlink(prev, primary.id, now);
          const row = await queueLink(deps, tx, primary, verb === 'link' ? 'enroll' : 'unenroll', base);
          await tx.declared.links.put(row);
          lastEventId = await publish(tx, linkEvent(primary, prev, row));
          await tx.audit.append({ actor: actor(req), action: `device.${verb}`, target: deviceId });
          return row;
        });
        announce(lastEventId);
        return { changed: true, link };
      },
    );
  }
}
