/**
 * `/api/v1/settings` (run-time server settings, shared by every process), `/api/v1/link-syncml` (what another MDM
 * sends to link its devices to windc) and `/api/v1/tokens` (admin tokens, shown once at creation).
 */
import type { FastifyInstance } from 'fastify';
import { fleetProfile, linkSyncML } from '../declared/link-syncml.ts';
import { AUTO_LINK_SETTING, autoLinkEnabled } from '../declared/reconcile-link.ts';
import { generateToken, hashToken } from './auth.ts';
import { type AdminContext, actor } from './plugin.ts';
import { arr, bool, changed, int, nullable, obj, out, str } from './schemas.ts';

const settings = out({
  autoLink: bool('Link every new primary enrollment to windc’s WinDC service automatically (default true)'),
  discoveryUrl: str('What LinkedEnrollment/DiscoveryEndpoint is set to'),
});

export function serverRoutes(app: FastifyInstance, { ctx, deps }: AdminContext): void {
  const { store } = ctx;

  app.get(
    '/settings',
    { schema: { summary: 'Server settings', tags: ['settings'], response: { 200: settings } } },
    async () => ({ autoLink: await autoLinkEnabled(store), discoveryUrl: deps.discoveryUrl }),
  );

  app.put(
    '/settings',
    {
      schema: {
        summary: 'Change server settings',
        tags: ['settings'],
        body: obj({ autoLink: bool() }),
        response: { 200: changed({ settings }) },
      },
    },
    async (req) => {
      const body = req.body as { autoLink?: boolean };
      let changedAny = false;
      if (body.autoLink !== undefined) changedAny = await store.declared.server.put(AUTO_LINK_SETTING, body.autoLink);
      if (changedAny) await store.audit.append({ actor: actor(req), action: 'settings.put', details: body });
      return {
        changed: changedAny,
        settings: { autoLink: await autoLinkEnabled(store), discoveryUrl: deps.discoveryUrl },
      };
    },
  );

  app.get(
    '/link-syncml',
    {
      schema: {
        summary: 'The commands another MDM sends to link a device to windc, as SyncML and as a Fleet profile',
        tags: ['settings'],
        querystring: obj(
          {
            providerId: str('That MDM’s DMClient ProviderID as it names its own account (Intune: MS DM Server)', {
              minLength: 1,
              maxLength: 128,
            }),
          },
          ['providerId'],
        ),
        response: { 200: out({ discoveryUrl: str(), syncml: str(), fleetProfile: str() }) },
      },
    },
    async (req) => {
      const { providerId } = req.query as { providerId: string };
      const input = { providerId, discoveryUrl: deps.discoveryUrl };
      return { discoveryUrl: deps.discoveryUrl, syncml: linkSyncML(input), fleetProfile: fleetProfile(input) };
    },
  );

  const token = out({
    id: int(),
    name: str(),
    createdAt: int(),
    expiresAt: nullable(int()),
    lastUsedAt: nullable(int()),
    revokedAt: nullable(int()),
  });
  app.get(
    '/tokens',
    {
      schema: {
        summary: 'Admin tokens (never their values)',
        tags: ['tokens'],
        response: { 200: out({ tokens: arr(token) }) },
      },
    },
    async () => ({ tokens: await store.tokens.list() }),
  );
  app.post(
    '/tokens',
    {
      schema: {
        summary: 'Create an admin token; its value is in this answer only',
        tags: ['tokens'],
        body: obj(
          {
            name: str(undefined, { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
            expiresInDays: int(undefined, { minimum: 1, maximum: 3650 }),
          },
          ['name'],
        ),
        response: { 201: changed({ token: str(), id: int(), name: str() }) },
      },
    },
    async (req, reply) => {
      const body = req.body as { name: string; expiresInDays?: number };
      const value = generateToken();
      const t = await store.tokens.create({
        name: body.name,
        tokenHash: hashToken(value),
        scopes: ['admin'],
        expiresAt: body.expiresInDays ? ctx.now() + body.expiresInDays * 86_400_000 : null,
      });
      await store.audit.append({ actor: actor(req), action: 'token.create', target: t.name });
      return reply.status(201).send({ changed: true, token: value, id: t.id, name: t.name });
    },
  );
  app.delete(
    '/tokens/:id',
    {
      schema: {
        summary: 'Revoke an admin token',
        tags: ['tokens'],
        params: obj({ id: int(undefined, { minimum: 1 }) }, ['id']),
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { id } = req.params as { id: number };
      const ok = await store.tokens.revoke(id);
      if (ok) await store.audit.append({ actor: actor(req), action: 'token.revoke', target: String(id) });
      return { changed: ok };
    },
  );
}
