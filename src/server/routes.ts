import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.ts';

/**
 * Every feature's routes, registered in one place. Each entry is a module with a `register(app, ctx)` function
 * so that features stay independent of each other.
 */
const FEATURES: Array<() => Promise<{ register(app: FastifyInstance, ctx: ServerContext): Promise<void> | void }>> = [
  () => import('./enroll/routes.ts'),
  () => import('./management/routes.ts'),
  () => import('./declared/feature.ts'),
  () => import('./admin/routes.ts'),
  () => import('./console/routes.ts'),
];

export async function registerRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  for (const load of FEATURES) await (await load()).register(app, ctx);
}
