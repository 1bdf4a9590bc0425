/**
 * The admin API feature: `/api/v1/*` behind bearer tokens, `/api/openapi.json` generated from those routes, and
 * the webhook sender that delivers their events. Registered in src/server/routes.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { declaredDeps } from '../declared/context.ts';
import { WebhookSender } from '../declared/webhooks.ts';
import { bootstrapToken } from './auth.ts';
import { deviceRoutes } from './devices.ts';
import { documentRoutes } from './documents.ts';
import { eventRoutes } from './events.ts';
import { groupRoutes } from './groups.ts';
import { OpenApiCollector } from './openapi.ts';
import { type AdminContext, secure } from './plugin.ts';
import { serverRoutes } from './server-settings.ts';
import { setRoutes } from './sets.ts';

export const API_PREFIX = '/api/v1';

export async function register(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const deps = declaredDeps(ctx);
  const a: AdminContext = { ctx, deps };
  // The environment is read here rather than in config.ts so the token never sits in the config object that
  // `windc serve` prints and passes around.
  const boot = await bootstrapToken(ctx.store, {
    envToken: process.env.WINDC_ADMIN_TOKEN,
    dataDir: ctx.config.dataDir,
  });
  if (boot.generatedFile) ctx.log.info({ file: boot.generatedFile }, 'generated the first admin token');

  const collector = new OpenApiCollector();
  await app.register(
    async (api) => {
      collector.attach(api, API_PREFIX);
      secure(api, a);
      documentRoutes(api, a);
      setRoutes(api, a);
      groupRoutes(api, a);
      deviceRoutes(api, a);
      eventRoutes(api, a);
      serverRoutes(api, a);
    },
    { prefix: API_PREFIX },
  );
  let openapi: Record<string, unknown> | undefined;
  app.get('/api/openapi.json', async () => {
    openapi ??= collector.document({
      title: 'windc admin API',
      version: '1',
      serverUrl: `${ctx.config.publicUrl}${API_PREFIX}`,
    });
    return openapi;
  });

  const sender = new WebhookSender(ctx.store, ctx.now, { log: ctx.log });
  sender.start();
  app.addHook('onClose', () => sender.stop());
}
