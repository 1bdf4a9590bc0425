import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  buildWinDcDiscoveryError,
  buildWinDcDiscoveryResponse,
  parseWinDcDiscoveryRequest,
  resolveWinDcAuthPolicy,
  UPN_REQUIRED,
  type WinDcDiscoveryRequest,
  type WinDcDiscoveryResponse,
} from '../../protocol/discovery/index.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import type { EnrollmentService } from './service.ts';

/**
 * WinDC discovery (seed 003): the JSON answer that sends a device to the linked enrollment's MS-MDE2 endpoints.
 * `errorCode` answers the client is meant to act on (UPNRequired makes it retry with a UPN; an unsupported
 * build is final) come with 200, as fields of the response body the seed describes; a request windc cannot
 * read at all gets a 4xx with the error catalogue's code.
 */
export type DiscoveryAnswer =
  | { status: 200; body: WinDcDiscoveryResponse }
  | { status: number; error: { errorCode: string; message: string } };

/** Everything after the body has been read, as a pure decision. */
export function answerDiscovery(req: WinDcDiscoveryRequest, svc: EnrollmentService): DiscoveryAnswer {
  if (svc.config.upnRequired && !req.upn) {
    return {
      status: 200,
      error: { errorCode: UPN_REQUIRED, message: 'this server needs the UPN of the enrolling account' },
    };
  }
  const decision = resolveWinDcAuthPolicy(req);
  if (!decision.ok) return { status: 200, error: { errorCode: 'DeviceNotSupported', message: decision.message } };
  if (decision.authPolicy === 'Federated' && !svc.config.federation) {
    return {
      status: 200,
      error: {
        errorCode: 'NotSupported',
        message: 'Entra joined enrollment needs Federated tokens, which this server is not configured for (--tenants)',
      },
    };
  }
  return {
    status: 200,
    body: {
      EnrollmentServiceUrl: svc.urls.enrollment('linked'),
      EnrollmentPolicyServiceUrl: svc.urls.policy('linked'),
      AuthenticationServiceUrl: svc.urls.authentication,
      AuthPolicy: decision.authPolicy,
      // The resource an Entra-joined device asks Entra for a token to: the audience windc accepts.
      ManagementResource: svc.config.federation?.audiences[0] ?? svc.ctx.config.publicUrl,
    },
  };
}

export function windcDiscoveryHandler(svc: EnrollmentService) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const answer = readAndAnswer(req, svc);
    reply.status(answer.status).type('application/json');
    if ('body' in answer) {
      reply.send(buildWinDcDiscoveryResponse(answer.body));
      return;
    }
    if (answer.status >= 400)
      req.log.warn({ code: answer.error.errorCode, reason: answer.error.message }, 'discovery refused');
    reply.send(buildWinDcDiscoveryError(answer.error));
  };
}

function readAndAnswer(req: FastifyRequest, svc: EnrollmentService): DiscoveryAnswer {
  const version = (req.query as Record<string, unknown> | undefined)?.['api-version'];
  if (version !== undefined && version !== '1.0') {
    const message = `api-version ${String(version)} is not supported (1.0 is)`;
    return { status: 400, error: { errorCode: 'DISCOVERY_BAD_API_VERSION', message } };
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    const message = `Content-Type must be application/json, got ${req.headers['content-type'] ?? 'none'}`;
    return { status: 415, error: { errorCode: 'DISCOVERY_BAD_CONTENT_TYPE', message } };
  }
  let body: WinDcDiscoveryRequest;
  try {
    body = parseWinDcDiscoveryRequest(typeof req.body === 'string' ? req.body : '');
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return { status: e.httpStatus, error: { errorCode: e.code, message: e.message } };
  }
  return answerDiscovery(body, svc);
}
