/**
 * The reconciler as a server feature: it joins every device message through the session engine's
 * `beforeDequeue` hook, inside the message's transaction, so whatever it queues leaves in that very reply and a
 * failure rolls the message back (the device simply sends it again).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { type BeforeDequeueHook, managementHooks } from '../management/hooks.ts';
import { declaredDeps } from './context.ts';
import { reconcileEnrollment } from './reconcile.ts';

export function register(_app: FastifyInstance, ctx: ServerContext): void {
  const base = declaredDeps(ctx);
  const hook: BeforeDequeueHook = async (event) => {
    // The message's own DevInfo is fresher than the enrollment row read before it was recorded.
    const enrollment = event.devInfo ? { ...event.enrollment, devInfo: { ...event.devInfo } } : event.enrollment;
    await reconcileEnrollment({ ...base, store: event.tx }, enrollment, {
      matched: event.replies?.matched,
      firstMessage: event.session.isNew,
    });
  };
  // A run that found nothing left to do marks the enrollment quiet (reconcile.ts); until something it reads
  // changes, the device's polls need not run it again.
  hook.quiet = ({ store, enrollment }) => store.declared.quiet.isQuiet(enrollment.id);
  managementHooks(ctx).beforeDequeue.push(hook);
}
