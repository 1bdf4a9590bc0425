import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ActivityId, buildSoapFault, parseSoapEnvelope, type SoapEnvelope } from '../../protocol/mde2/index.ts';
import { type EnrollmentFault, fault, toFault } from './faults.ts';

export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

// 200, not SOAP 1.2's 500: Fleet answers real Windows this way (research/fleet.md); nothing shows Windows reads a 500's body.
const FAULT_STATUS = 200;

export interface SoapCall {
  env: SoapEnvelope;
  activityId: ActivityId;
  req: FastifyRequest;
}

/**
 * Wraps an MS-MDE2 operation: parses the envelope, runs it, and turns every failure into a fault that relates
 * to the request, logged with the ActivityId the client will report. Bodies are strings, so fastify sends them
 * with Content-Length and never chunked, as MS-MDE2 requires.
 */
export function soapHandler(op: string, run: (call: SoapCall) => Promise<string>) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const activityId: ActivityId = { id: randomUUID() };
    let env: SoapEnvelope | undefined;
    try {
      if (typeof req.body !== 'string') throw fault.messageFormat('SOAP_MALFORMED', 'the request body is not XML text');
      env = parseSoapEnvelope(req.body);
      if (env.unknownMustUnderstand.length > 0) {
        throw fault.messageFormat(
          'SOAP_MUST_UNDERSTAND',
          `header ${env.unknownMustUnderstand.join(', ')} is marked mustUnderstand and is not understood`,
        );
      }
      const xml = await run({ env, activityId, req });
      reply.status(200).type(SOAP_CONTENT_TYPE).send(xml);
    } catch (e) {
      const f = toFault(e);
      const entry = { op, activityId: activityId.id, code: f.code, subcode: f.subcode, reason: f.message };
      if (f.subcode === 'InternalServiceFault') req.log.error({ ...entry, err: e }, 'enrollment request failed');
      else req.log.warn(entry, 'enrollment request refused');
      sendFault(reply, f, { relatesTo: env?.addressing.messageId, activityId });
    }
  };
}

export function sendFault(
  reply: FastifyReply,
  f: EnrollmentFault,
  at: { relatesTo?: string | undefined; activityId?: ActivityId | undefined },
): void {
  const xml = buildSoapFault({
    subcode: f.subcode,
    // The subcode is all Windows acts on; windc's own code makes the refusal findable in its log and docs.
    reason: `${f.message} (${f.code})`,
    ...(at.relatesTo !== undefined ? { relatesTo: at.relatesTo } : {}),
    activityId: at.activityId ?? { id: randomUUID() },
    ...(f.options.errorType ? { detail: { errorType: f.options.errorType, message: f.message } } : {}),
  });
  if (f.options.retryAfter !== undefined) reply.header('retry-after', String(f.options.retryAfter));
  reply
    .status(f.options.httpStatus ?? FAULT_STATUS)
    .type(SOAP_CONTENT_TYPE)
    .send(xml);
}
