import { el, wrap } from '../xml/index.ts';
import {
  type ActivityId,
  buildSoapEnvelope,
  type EnvelopeInput,
  expectAction,
  expectPayload,
  parseSoapEnvelope,
  type SoapEnvelope,
} from './envelope.ts';
import { ACTIONS, AUTH_POLICIES, type AuthPolicy, NS, WSA_ANONYMOUS } from './namespaces.ts';
import { failAt, findChild, findChildren, optionalText, requireChild, trimmedText } from './read.ts';

/**
 * MS-MDE2 §3.1 IDiscoveryService/Discover. WinDC replaces it with JSON discovery, but windc also serves classic
 * enrollment so it can be a device's primary MDM.
 */
export interface DiscoverRequest {
  messageId?: string;
  to?: string;
  emailAddress?: string;
  /** Decimal string as sent ("4.0"); Windows 11 24H2+ may send 9.0 or higher. */
  requestVersion?: string;
  /** `CIMClient_Windows` for desktop Windows. */
  deviceType?: string;
  applicationVersion?: string;
  osEdition?: number;
  /** Only in Learn's certificate example; real clients put the version in ApplicationVersion. */
  osVersion?: string;
  /** In the client's order of preference. */
  authPolicies: string[];
}

export interface DiscoverResponse {
  authPolicy: AuthPolicy;
  enrollmentServiceUrl: string;
  enrollmentPolicyServiceUrl?: string;
  /** Required for Federated (the STS page Windows opens), absent otherwise. */
  authenticationServiceUrl?: string;
  /** Highest MS-MDE2 version the server speaks; Windows then sends RequestVersion ≤ it in the RST. */
  enrollmentVersion?: string;
}

// Learn's certificate-auth page writes the body namespace with a trailing slash; accept that spelling too.
const DISCOVERY_NS = [NS.discovery, `${NS.discovery}/`];
const DECIMAL = /^\d+(\.\d+)?$/;

function envelopeOf(input: string | SoapEnvelope): SoapEnvelope {
  return typeof input === 'string' ? parseSoapEnvelope(input) : input;
}

export function readDiscoverRequest(input: string | SoapEnvelope): DiscoverRequest {
  const env = envelopeOf(input);
  expectAction(env, ACTIONS.discover);
  const discover = expectPayload(env, 'Discover', DISCOVERY_NS);
  const req = requireChild(discover, 'request', DISCOVERY_NS);
  const out: DiscoverRequest = { authPolicies: [] };
  if (env.addressing.messageId !== undefined) out.messageId = env.addressing.messageId;
  if (env.addressing.to !== undefined) out.to = env.addressing.to;
  const text = (local: string) => optionalText(req, local, DISCOVERY_NS);
  const email = text('EmailAddress');
  const version = text('RequestVersion');
  const deviceType = text('DeviceType');
  const appVersion = text('ApplicationVersion');
  const osVersion = text('OSVersion');
  const edition = text('OSEdition');
  if (email !== undefined) out.emailAddress = email;
  if (version !== undefined) {
    if (!DECIMAL.test(version)) failAt('SOAP_BAD_VALUE', `RequestVersion "${version}" is not a decimal`, req);
    out.requestVersion = version;
  }
  if (deviceType !== undefined) out.deviceType = deviceType;
  if (appVersion !== undefined) out.applicationVersion = appVersion;
  if (osVersion !== undefined) out.osVersion = osVersion;
  if (edition !== undefined) {
    if (!/^\d{1,10}$/.test(edition)) failAt('SOAP_BAD_VALUE', `OSEdition "${edition}" is not an unsigned integer`, req);
    out.osEdition = Number(edition);
  }
  const policies = findChild(req, 'AuthPolicies', DISCOVERY_NS);
  if (policies) {
    const items = findChildren(policies, 'AuthPolicy', DISCOVERY_NS).map(trimmedText);
    // Learn's certificate example writes `<AuthPolicies>Certificate</AuthPolicies>` with no AuthPolicy child.
    const bare = trimmedText(policies);
    out.authPolicies = items.length > 0 ? items.filter((p) => p !== '') : bare === '' ? [] : [bare];
  }
  return out;
}

export interface DiscoverRequestInput {
  messageId: string;
  to: string;
  emailAddress: string;
  requestVersion: string;
  deviceType?: string;
  applicationVersion: string;
  osEdition: number;
  authPolicies: readonly AuthPolicy[];
}

/** Discover as Windows 10/11 sends it (fleet capture: RequestVersion 4.0, OSEdition 72, two AuthPolicy). */
export function buildDiscoverRequest(input: DiscoverRequestInput): string {
  const inner =
    el('EmailAddress', input.emailAddress) +
    el('RequestVersion', input.requestVersion) +
    el('DeviceType', input.deviceType ?? 'CIMClient_Windows') +
    el('ApplicationVersion', input.applicationVersion) +
    el('OSEdition', input.osEdition) +
    wrap('AuthPolicies', input.authPolicies.map((p) => el('AuthPolicy', p)).join(''));
  const body = wrap('Discover', wrap('request', inner, [['xmlns:i', NS.xsi]]), [['xmlns', NS.discovery]]);
  return buildSoapEnvelope({
    action: ACTIONS.discover,
    messageId: input.messageId,
    replyTo: WSA_ANONYMOUS,
    to: input.to,
    body,
  });
}

export interface DiscoverResponseInput extends DiscoverResponse {
  relatesTo?: string;
  activityId?: ActivityId;
}

/**
 * Element order follows the XSD of MS-MDE2 Appendix A with EnrollmentVersion right after AuthPolicy, as
 * Microsoft's example and Fleet's production server (accepted by Windows 10 and 11) both write it.
 */
export function buildDiscoverResponse(input: DiscoverResponseInput): string {
  if (input.authPolicy === 'Federated' && !input.authenticationServiceUrl) {
    throw new TypeError('a Federated DiscoverResponse needs authenticationServiceUrl');
  }
  const result =
    el('AuthPolicy', input.authPolicy) +
    el('EnrollmentVersion', input.enrollmentVersion) +
    el('AuthenticationServiceUrl', input.authenticationServiceUrl) +
    el('EnrollmentPolicyServiceUrl', input.enrollmentPolicyServiceUrl) +
    el('EnrollmentServiceUrl', input.enrollmentServiceUrl);
  const env: EnvelopeInput = {
    action: ACTIONS.discoverResponse,
    body: wrap('DiscoverResponse', wrap('DiscoverResult', result), [['xmlns', NS.discovery]]),
    bodyAttrs: [
      ['xmlns:xsi', NS.xsi],
      ['xmlns:xsd', NS.xsd],
    ],
  };
  if (input.relatesTo !== undefined) env.relatesTo = input.relatesTo;
  if (input.activityId) env.activityId = input.activityId;
  return buildSoapEnvelope(env);
}

export function readDiscoverResponse(input: string | SoapEnvelope): DiscoverResponse & { relatesTo?: string } {
  const env = envelopeOf(input);
  expectAction(env, ACTIONS.discoverResponse);
  const res = expectPayload(env, 'DiscoverResponse', DISCOVERY_NS);
  const result = requireChild(res, 'DiscoverResult', DISCOVERY_NS);
  const text = (local: string) => optionalText(result, local, DISCOVERY_NS);
  const policy = text('AuthPolicy');
  if (!policy || !(AUTH_POLICIES as readonly string[]).includes(policy)) {
    failAt('SOAP_BAD_VALUE', `AuthPolicy "${policy ?? ''}" is not OnPremise, Federated or Certificate`, result);
  }
  const service = text('EnrollmentServiceUrl') ?? failAt('SOAP_MALFORMED', 'no EnrollmentServiceUrl', result);
  const out: DiscoverResponse & { relatesTo?: string } = {
    authPolicy: policy as AuthPolicy,
    enrollmentServiceUrl: service,
  };
  const policyUrl = text('EnrollmentPolicyServiceUrl');
  const authUrl = text('AuthenticationServiceUrl');
  const version = text('EnrollmentVersion');
  if (policyUrl !== undefined) out.enrollmentPolicyServiceUrl = policyUrl;
  if (authUrl !== undefined) out.authenticationServiceUrl = authUrl;
  if (version !== undefined) out.enrollmentVersion = version;
  if (env.addressing.relatesTo !== undefined) out.relatesTo = env.addressing.relatesTo;
  return out;
}
