/**
 * `/api/v1/sets`: KMFDDM's targeting model. Documents belong to sets; sets are assigned to devices or groups;
 * a device's desired state is the union of every set reaching it. Nothing is sent here: each device picks the
 * change up at its next session.
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.ts';
import { notFound } from './errors.ts';
import { type AdminContext, actor } from './plugin.ts';
import {
  arr,
  changed,
  describedBody,
  documentIdParam,
  NAME,
  nameAndDeviceParam,
  nameParam,
  nullable,
  obj,
  out,
  pageQuery,
  str,
} from './schemas.ts';

const TAGS = ['sets'];
const set = out({
  name: str(),
  description: nullable(str()),
  documents: arr(str()),
  groups: arr(str()),
  devices: arr(str('DeviceIDs')),
});

export async function devicePk(store: Store, deviceId: string): Promise<number> {
  const d = await store.devices.getDevice({ deviceId });
  if (!d) throw notFound(`device ${deviceId}`);
  return d.pk;
}

async function setView(store: Store, name: string) {
  const s = await store.declared.collections.set(name);
  if (!s) throw notFound(`set ${name}`);
  const assigned = await store.assignments.assignmentsOfSet(name);
  const devices: string[] = [];
  for (const pk of assigned.devicePks) {
    const d = await store.devices.getDevice({ pk });
    if (d) devices.push(d.deviceId);
  }
  return {
    name: s.name,
    description: s.description,
    documents: await store.assignments.setDocuments(name),
    groups: assigned.groups,
    devices,
  };
}

export function setRoutes(app: FastifyInstance, { ctx }: AdminContext): void {
  const { store } = ctx;
  const audit = (who: string, action: string, target: string, details?: unknown) =>
    store.audit.append({ actor: who, action, target, details });

  app.get(
    '/sets',
    {
      schema: {
        summary: 'List document sets',
        tags: TAGS,
        querystring: pageQuery(),
        response: { 200: out({ sets: arr(set) }) },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; after?: string };
      const list = await store.assignments.listSets({ limit: q.limit, after: q.after });
      return { sets: await Promise.all(list.map((s) => setView(store, s.name))) };
    },
  );

  app.get(
    '/sets/:name',
    {
      schema: {
        summary: 'A set: its documents and assignments',
        tags: TAGS,
        params: nameParam,
        response: { 200: set },
      },
    },
    async (req) => setView(store, (req.params as { name: string }).name),
  );

  app.put(
    '/sets/:name',
    {
      schema: {
        summary: 'Create a set, or change its description',
        tags: TAGS,
        params: nameParam,
        body: describedBody,
        response: { 200: changed({ set }) },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const r = await store.assignments.putSet(
        name,
        (req.body as { description?: string | null } | undefined)?.description,
      );
      if (r.changed) await audit(actor(req), 'set.put', name);
      return { changed: r.changed, set: await setView(store, name) };
    },
  );

  app.delete(
    '/sets/:name',
    {
      schema: {
        summary: 'Delete a set; its documents leave the devices it reached (settings stay)',
        tags: TAGS,
        params: nameParam,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const ok = await store.assignments.deleteSet(name);
      if (ok) await audit(actor(req), 'set.delete', name);
      return { changed: ok };
    },
  );

  const member = obj(
    {
      name: str(undefined, { pattern: NAME }),
      id: (documentIdParam.properties as Record<string, unknown>).id as Record<string, unknown>,
    },
    ['name', 'id'],
  );
  app.put(
    '/sets/:name/documents/:id',
    { schema: { summary: 'Add a document to a set', tags: TAGS, params: member, response: { 200: changed() } } },
    async (req) => {
      const { name, id } = req.params as { name: string; id: string };
      const n = await store.assignments.addToSet(name, [id]);
      if (n > 0) await audit(actor(req), 'set.add-document', name, { document: id });
      return { changed: n > 0 };
    },
  );
  app.delete(
    '/sets/:name/documents/:id',
    { schema: { summary: 'Remove a document from a set', tags: TAGS, params: member, response: { 200: changed() } } },
    async (req) => {
      const { name, id } = req.params as { name: string; id: string };
      const n = await store.assignments.removeFromSet(name, [id]);
      if (n > 0) await audit(actor(req), 'set.remove-document', name, { document: id });
      return { changed: n > 0 };
    },
  );

  const toGroup = obj({ name: str(undefined, { pattern: NAME }), group: str(undefined, { pattern: NAME }) }, [
    'name',
    'group',
  ]);
  app.put(
    '/sets/:name/groups/:group',
    {
      schema: { summary: 'Assign a set to a device group', tags: TAGS, params: toGroup, response: { 200: changed() } },
    },
    async (req) => {
      const { name, group } = req.params as { name: string; group: string };
      const ok = await store.assignments.assign(name, { group });
      if (ok) await audit(actor(req), 'set.assign', name, { group });
      return { changed: ok };
    },
  );
  app.delete(
    '/sets/:name/groups/:group',
    {
      schema: {
        summary: 'Unassign a set from a device group',
        tags: TAGS,
        params: toGroup,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name, group } = req.params as { name: string; group: string };
      const ok = await store.assignments.unassign(name, { group });
      if (ok) await audit(actor(req), 'set.unassign', name, { group });
      return { changed: ok };
    },
  );

  app.put(
    '/sets/:name/devices/:deviceId',
    {
      schema: {
        summary: 'Assign a set to one device',
        tags: TAGS,
        params: nameAndDeviceParam,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name, deviceId } = req.params as { name: string; deviceId: string };
      const ok = await store.assignments.assign(name, { devicePk: await devicePk(store, deviceId) });
      if (ok) await audit(actor(req), 'set.assign', name, { device: deviceId });
      return { changed: ok };
    },
  );
  app.delete(
    '/sets/:name/devices/:deviceId',
    {
      schema: {
        summary: 'Unassign a set from one device',
        tags: TAGS,
        params: nameAndDeviceParam,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name, deviceId } = req.params as { name: string; deviceId: string };
      const ok = await store.assignments.unassign(name, { devicePk: await devicePk(store, deviceId) });
      if (ok) await audit(actor(req), 'set.unassign', name, { device: deviceId });
      return { changed: ok };
    },
  );
}
