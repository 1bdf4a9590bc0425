/**
 * A stand-in for the OMA-DM session engine, for reconciler tests: it plays the server side of sessions between
 * the store and the emulator's ManagementEndpoint, in-process. Per device message it does what the engine does
 * around the reconciler: record the 1224 summary (checkIn) and the replies to queued commands, run the
 * reconciler, dequeue and render. The emulator is the real one, so documents really land in its sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManagementEndpoint } from '../../../src/device/index.ts';
import { DECLARED_CONFIGURATION_ALERT_TYPE, parseSummary } from '../../../src/protocol/declared/index.ts';
import { cmdIdSequence } from '../../../src/protocol/syncml/index.ts';
import type { DeclaredDeps } from '../../../src/server/declared/context.ts';
import { reconcileEnrollment } from '../../../src/server/declared/reconcile.ts';
import { renderQueued } from '../../../src/server/management/payload.ts';
import { type Enrollment, openStore, type Reply, type Store } from '../../../src/store/index.ts';

export async function tempStore(now?: () => number): Promise<{ store: Store; dir: string; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'windc-declared-'));
  const store = await openStore({ dataDir: dir, env: {}, ...(now ? { now } : {}) });
  return {
    store,
    dir,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function testDeps(store: Store, now: () => number = Date.now): DeclaredDeps {
  return {
    store,
    now,
    primaryProviderId: 'windc',
    linkedProviderId: 'windc-declared',
    discoveryUrl: 'https://windc.test/EnrollmentConfiguration?api-version=1.0',
  };
}

let sessionCounter = 0;

/** One session: messages until windc has nothing more to send. Returns the commands windc sent, by kind. */
export async function runSession(
  deps: DeclaredDeps,
  enrollment: Enrollment,
  ep: ManagementEndpoint,
  settle?: () => Promise<void>,
): Promise<string[]> {
  const store = deps.store as Store;
  const sessionId = String(++sessionCounter);
  const sent: string[] = [];
  let replies: Reply[] = [];
  for (let msgId = 1; msgId < 50; msgId++) {
    const { session } = await store.sessions.arrive({
      enrollmentId: enrollment.id,
      sessionId,
      msgId,
      opens: msgId === 1,
    });
    const alerts = ep.clientAlerts(cmdIdSequence(1));
    const summary = alerts.find((a) => a.items[0]?.meta?.type === DECLARED_CONFIGURATION_ALERT_TYPE)?.items[0]?.data;
    const documents = summary
      ? parseSummary(summary).documents.map((d) => ({
          documentId: d.id,
          scope: d.contextAsWritten ?? d.context,
          checksum: d.checksum,
          resultChecksum: d.resultChecksum ?? null,
          state: d.state,
        }))
      : [];
    await store.reports.checkIn({ enrollmentId: enrollment.id, documents, complete: true });
    const { matched } = await store.queue.recordReplies({
      enrollmentId: enrollment.id,
      sessionSeq: session.seq,
      replies,
    });
    await reconcileEnrollment(deps, enrollment, { matched, firstMessage: msgId === 1 });
    const { commands } = await store.queue.dequeue({ enrollmentId: enrollment.id, sessionSeq: session.seq, msgId });
    if (commands.length === 0) break;
    const rendered = commands.map((c) => renderQueued(c.commandUuid, c.payload));
    for (const c of rendered) sent.push(c.kind);
    const out = ep.handleCommands(rendered, { msgRef: String(msgId), nextCmdId: cmdIdSequence(2) });
    replies = [
      ...out.statuses.map((s): Reply => ({ kind: 'status', msgRef: Number(s.msgRef), cmdRef: s.cmdRef, code: s.code })),
      ...out.results.map(
        (r): Reply => ({
          kind: 'results',
          msgRef: Number(r.msgRef),
          cmdRef: r.cmdRef,
          items: r.items.map((i) => ({ source: i.source?.locUri ?? '', data: i.data, format: i.meta?.format })),
        }),
      ),
    ];
    // Windows processes documents after the session hands them over; let the emulator's orchestrator run.
    if (settle) await settle();
  }
  ep.sessionCompleted();
  return sent;
}
