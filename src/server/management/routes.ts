/**
 * `POST /ManagementServer/MDM.svc` (Windows adds `?mode=Maintenance|Machine&Platform=WoA`, which changes
 * nothing here): the OMA-DM endpoint every device hits at every poll. This is the imperative shell around
 * auth/, session.ts and engine/: it sheds load, decodes, authenticates, runs the message's transaction and
 * writes the reply. What a bad request gets:
 * - not SyncML at all, or no usable SyncHdr: HTTP 400 (413 when too large) with a one-line plain-text reason;
 *   Windows only retries, and there is no SyncHdr to answer inside SyncML;
 * - a readable SyncHdr but a broken message: SyncML with the SyncHdr Status (400, 505 for a version) and Final;
 * - refused credentials: SyncHdr 401/407 (Chal for a digest), the same code for every command, nothing done.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  bodyInOrder,
  buildSyncML,
  type CommandFailure,
  cmdIdSequence,
  parseSyncMLTolerant,
  replyHeader,
  StatusCode,
  SYNCML_12,
  type SyncHdr,
  type SyncMLCommand,
  SyncMLError,
  type SyncMLMessage,
  statusFor,
  statusForHeader,
  type TolerantParse,
} from '../../protocol/syncml/index.ts';
import type { ServerContext } from '../context.ts';
import { type AuthDeps, authenticate, type Refused } from './auth/index.ts';
import { DebugRing } from './debug-ring.ts';
import { managementHooks } from './hooks.ts';
import { Overload } from './overload.ts';
import { handleMessage, type Outcome, opensSession } from './session.ts';

export const MANAGEMENT_PATH = '/ManagementServer/MDM.svc';
const SYNCML_TYPE = 'application/vnd.syncml.dm+xml';

const rings = new WeakMap<FastifyInstance, DebugRing>();

/** The raw-message ring of a server started with `--debug-ring`, for tooling and tests. */
export function debugRingOf(app: FastifyInstance): DebugRing | undefined {
  return rings.get(app);
}

export async function register(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const config = ctx.config.management;
  const overload = new Overload(config, ctx.now, Math.random, (ids) => ctx.store.sessions.positions(ids));
  const ring = config.debugRing > 0 ? new DebugRing(config.debugRing) : undefined;
  if (ring) rings.set(app, ring);
  const authDeps: AuthDeps = { store: ctx.store, config, caCertPem: ctx.ca.certPem, now: ctx.now };
  const hooks = managementHooks(ctx);

  app.post(MANAGEMENT_PATH, { bodyLimit: config.maxMsgSize }, async (request, reply) => {
    if (!overload.enter()) return tooBusy(reply, overload);
    const fields: LogFields = {};
    try {
      return await answer(request, reply, fields);
    } finally {
      overload.leave();
      ring?.add({
        at: ctx.now(),
        enrollmentId: fields.enrollment,
        deviceId: fields.device,
        sessionId: fields.sessionId,
        msgId: fields.msgId,
        httpStatus: reply.statusCode,
        request: typeof request.body === 'string' ? request.body : '',
        response: fields.response ?? '',
      });
    }
  });

  async function answer(request: FastifyRequest, reply: FastifyReply, fields: LogFields): Promise<FastifyReply> {
    const body = request.body;
    if (typeof body !== 'string' || body.trim() === '') {
      return plain(reply, 400, 'empty body: a SyncML DM message (application/vnd.syncml.dm+xml) is required', fields);
    }
    let parse: TolerantParse;
    try {
      parse = parseSyncMLTolerant(body, { maxBytes: config.maxMsgSize });
    } catch (e) {
      if (!(e instanceof SyncMLError)) throw e;
      return undecodable(reply, e, request.log, fields);
    }
    const header = parse.message.header;
    fields.sessionId = header.sessionId;
    fields.msgId = header.msgId;
    fields.device = header.source.locUri;
    if (!/^[1-9]\d{0,8}$/.test(header.msgId)) {
      return syncml(reply, headerOnly(parse.message, StatusCode.BAD_REQUEST), fields);
    }
    const opens = opensSession(parse.message);
    const auth = await authenticate(
      { socket: request.socket, headers: request.headers, body, header, opens },
      authDeps,
    );
    if (!auth.ok) {
      request.log.info({ ...logged(fields), code: auth.code, reason: auth.reason }, 'management message refused');
      return syncml(reply, refusal(parse, auth), fields);
    }
    fields.enrollment = auth.enrollment.id;
    if (!(await overload.admitSession(auth.enrollment.id, opens))) return tooBusy(reply, overload);
    const outcome = await handleMessage({ store: ctx.store, config, hooks }, auth, parse);
    const { seq } = outcome.session;
    // seq 0: a poll that left the session row alone, so there is no position to compare with the database's.
    const position = seq === 0 ? undefined : { seq, lastMsgId: Number(header.msgId) };
    overload.served(auth.enrollment.id, position, outcome.composed.ends);
    report(request.log, fields, auth.method, outcome);
    return syncml(reply, outcome.composed.message, fields);
  }
}

interface LogFields {
  device?: string;
  enrollment?: number;
  sessionId?: string;
  msgId?: string;
  response?: string;
}

const logged = ({ response: _, ...f }: LogFields) => f;

function report(log: FastifyBaseLogger, fields: LogFields, method: string, o: Outcome): void {
  const base = { ...logged(fields), session: o.session.seq };
  for (const c of o.cancelled)
    log.error({ ...base, command: c.commandUuid, reason: c.reason }, 'queued command cancelled: undeliverable');
  for (const note of o.received.notes) log.info({ ...base, note }, 'management message oddity');
  for (const u of o.replies?.unmatched ?? [])
    log.info({ ...base, cmdRef: u.cmdRef }, 'reply matches no queued command');
  // Building the record costs more than pino's own level check saves, on the path every poll takes.
  if (log.level === 'debug' || log.level === 'trace') {
    log.debug(
      {
        ...base,
        auth: method,
        new: o.session.isNew,
        replay: o.session.replay,
        plan: o.plan.kind === 'statuses' ? o.plan.why : o.plan.kind,
        replies: o.received.replies.length,
        carried: o.composed.carried,
        final: o.composed.message.final,
      },
      'management message',
    );
  }
}

function tooBusy(reply: FastifyReply, overload: Overload): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', String(overload.retryAfter()))
    .type('text/plain; charset=utf-8')
    .send('too many management requests: retry after the time in Retry-After');
}

function plain(reply: FastifyReply, code: number, text: string, fields: LogFields): FastifyReply {
  fields.response = text;
  return reply.code(code).type('text/plain; charset=utf-8').send(text);
}

function syncml(reply: FastifyReply, message: SyncMLMessage, fields: LogFields): FastifyReply {
  const text = buildSyncML(message);
  fields.response = text;
  return reply.code(200).type(SYNCML_TYPE).send(text);
}

/** A message that failed as a whole: answered in SyncML when the header can be addressed, else in HTTP. */
function undecodable(reply: FastifyReply, e: SyncMLError, log: FastifyBaseLogger, fields: LogFields): FastifyReply {
  const h = e.context.header ?? addressable(e.context.partialHeader);
  log.info({ ...logged(fields), code: e.code, reason: e.message }, 'undecodable management message');
  if (!h) return plain(reply, e.httpStatus, `not a SyncML DM message: ${e.message}`, fields);
  fields.sessionId = h.sessionId;
  fields.msgId = h.msgId;
  fields.device = h.source.locUri;
  const message: SyncMLMessage = { namespace: SYNCML_12, header: h, commands: [], final: true };
  return syncml(reply, headerOnly(message, e.syncmlStatus), fields);
}

/** A partial header good enough to address a reply; the reply speaks DM 1.2 whatever the device claimed. */
function addressable(p: Partial<SyncHdr> | undefined): SyncHdr | undefined {
  if (!p?.sessionId || !p.msgId || !p.source || !p.target) return undefined;
  return {
    verDtd: '1.2',
    verProto: 'DM/1.2',
    sessionId: p.sessionId,
    msgId: p.msgId,
    source: p.source,
    target: p.target,
  };
}

function headerOnly(request: SyncMLMessage, code: number): SyncMLMessage {
  const h = request.header;
  const header = replyHeader(
    { ...h, verDtd: h.verDtd === '1.1' ? '1.1' : '1.2', verProto: h.verProto === 'DM/1.1' ? 'DM/1.1' : 'DM/1.2' },
    h.msgId,
  );
  return { namespace: request.namespace, header, commands: [statusForHeader(h, '1', code)], final: true };
}

/** Refused credentials: the SyncHdr carries the code (and Chal), every command the same code, nothing else. */
function refusal(parse: TolerantParse, auth: Refused): SyncMLMessage {
  const request = parse.message;
  const next = cmdIdSequence();
  const commands: SyncMLCommand[] = [
    statusForHeader(request.header, next(), auth.code, auth.chal ? { chal: auth.chal } : {}),
  ];
  for (const c of bodyInOrder(parse)) {
    const ref = answered(c);
    if (ref) commands.push(statusFor(request.header.msgId, ref, next(), auth.code));
  }
  return {
    namespace: request.namespace,
    header: replyHeader(request.header, request.header.msgId),
    commands,
    final: true,
  };
}

function answered(c: SyncMLCommand | CommandFailure): { cmd: string; cmdId: string } | undefined {
  if (c.kind === 'Invalid')
    return c.cmdId === undefined || c.cmd === 'Status' || c.cmd === 'Results'
      ? undefined
      : { cmd: c.cmd, cmdId: c.cmdId };
  if (c.kind === 'Status' || c.kind === 'Results') return undefined;
  return { cmd: c.kind, cmdId: c.cmdId };
}
