import type { XmlElement } from '../xml/index.ts';
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
import { ACTIONS, NS, WSA_ANONYMOUS } from './namespaces.ts';
import { failAt, findChild, findChildren, isNil, optionalText, trimmedText } from './read.ts';

/** MS-XCEP GetPolicies (MS-MDE2 §3.3). Windows always sends nil lastUpdate, preferredLanguage and filter. */
export interface GetPoliciesRequest {
  messageId?: string;
  to?: string;
  lastUpdate?: string;
  preferredLanguage?: string;
  /** True when a non-nil requestFilter was sent; MS-MDE2 servers ignore filters. */
  hasRequestFilter: boolean;
}

const XCEP = [NS.xcep];
const XSI_XSD = [
  ['xmlns:xsi', NS.xsi],
  ['xmlns:xsd', NS.xsd],
] as const;

export function readGetPoliciesRequest(input: string | SoapEnvelope): GetPoliciesRequest {
  const env = typeof input === 'string' ? parseSoapEnvelope(input) : input;
  expectAction(env, ACTIONS.getPolicies);
  const gp = expectPayload(env, 'GetPolicies', XCEP);
  // MS-XCEP §3.1.4.1.2.1: an absent or nil client is a fault. MS-MDE's example capitalises it (`Client`).
  const client = findChild(gp, 'client', XCEP) ?? findChild(gp, 'Client', XCEP);
  if (!client || isNil(client)) failAt('SOAP_MALFORMED', 'GetPolicies has no client', gp);
  const out: GetPoliciesRequest = { hasRequestFilter: false };
  if (env.addressing.messageId !== undefined) out.messageId = env.addressing.messageId;
  if (env.addressing.to !== undefined) out.to = env.addressing.to;
  const lastUpdate = optionalText(client, 'lastUpdate', XCEP);
  const lang = optionalText(client, 'preferredLanguage', XCEP);
  if (lastUpdate !== undefined) out.lastUpdate = lastUpdate;
  if (lang !== undefined) out.preferredLanguage = lang;
  const filter = findChild(gp, 'requestFilter', XCEP);
  out.hasRequestFilter = filter !== undefined && !isNil(filter) && filter.children.some((c) => c.kind === 'element');
  return out;
}

export interface GetPoliciesRequestInput {
  messageId: string;
  to: string;
  /** A serialised wsse:Security header carrying the credential the AuthPolicy calls for. */
  security: string;
}

export function buildGetPoliciesRequest(input: GetPoliciesRequestInput): string {
  const nil = [['xsi:nil', 'true']] as const;
  const body = wrap(
    'GetPolicies',
    wrap('client', el('lastUpdate', '', nil) + el('preferredLanguage', '', nil)) + el('requestFilter', '', nil),
    [['xmlns', NS.xcep]],
  );
  return buildSoapEnvelope({
    action: ACTIONS.getPolicies,
    messageId: input.messageId,
    replyTo: WSA_ANONYMOUS,
    to: input.to,
    security: input.security,
    body,
    bodyAttrs: XSI_XSD,
  });
}

export type HashAlgorithm = 'SHA1' | 'SHA256' | 'SHA384' | 'SHA512';

export const HASH_OIDS: Record<HashAlgorithm, string> = {
  SHA1: '1.3.14.3.2.26',
  SHA256: '2.16.840.1.101.3.4.2.1',
  SHA384: '2.16.840.1.101.3.4.2.2',
  SHA512: '2.16.840.1.101.3.4.2.3',
};
const RSA_OID = '1.2.840.113549.1.1.1';

/** What Windows honours from a policy (Learn, federated enrollment page): key length, hash, key algorithm, KSPs. */
export interface XcepPolicy {
  policySchema: number;
  minimalKeyLength: number;
  /** undefined = nil reference: Windows then signs the CSR with SHA-1. */
  hashAlgorithmOid?: string;
  keyAlgorithmOid?: string;
  cryptoProviders: string[];
  validityPeriodSeconds?: number;
  renewalPeriodSeconds?: number;
  templateOid?: string;
}

export interface GetPoliciesResponseInput {
  relatesTo?: string;
  activityId?: ActivityId;
  policyId?: string;
  policyFriendlyName?: string;
  nextUpdateHours?: number;
  templateName?: string;
  /** The enrollment object (group 9) the policy names; Microsoft's example uses this certificate-template OID. */
  templateOid?: string;
  minimalKeyLength?: number;
  /** null writes a nil reference, which leaves Windows on its SHA-1 default. */
  hashAlgorithm?: HashAlgorithm | null;
  /** null writes a nil reference: any key algorithm. */
  keyAlgorithm?: 'RSA' | null;
  /** Key storage providers in preference order; null lets Windows choose (TPM first on most builds). */
  cryptoProviders?: readonly string[] | null;
  validityPeriodSeconds?: number;
  renewalPeriodSeconds?: number;
}

/**
 * A GetPoliciesResponse with every element of the MS-XCEP Attributes sequence present (nil where unused).
 * Windows also accepts the minimal shape of MS-MDE2 §4.2.2, but that shape is not schema-valid and the
 * example even contains a malformed tag (`<algorithmOIDReferencexsi:nil="true"/>`), so it is not copied.
 */
export function buildGetPoliciesResponse(input: GetPoliciesResponseInput = {}): string {
  const nil = (name: string) => el(name, '', [['xsi:nil', 'true']]);
  const opt = (name: string, v: string | number | undefined) => (v === undefined ? nil(name) : el(name, v));
  const oids: Array<{ value: string; group: number; name: string }> = [];
  const ref = (value: string, group: number, name: string): number => {
    oids.push({ value, group, name });
    return oids.length;
  };
  const templateRef = ref(input.templateOid ?? '1.3.6.1.4.1.311.20.2', 9, input.templateName ?? 'windc-mdm');
  const hash = input.hashAlgorithm === undefined ? 'SHA256' : input.hashAlgorithm;
  const hashRef = hash === null ? undefined : ref(HASH_OIDS[hash], 1, hash.toLowerCase());
  const key = input.keyAlgorithm === undefined ? 'RSA' : input.keyAlgorithm;
  const keyRef = key === null ? undefined : ref(RSA_OID, 3, 'RSA');
  const providers =
    input.cryptoProviders === undefined
      ? ['Microsoft Platform Crypto Provider', 'Microsoft Software Key Storage Provider']
      : input.cryptoProviders;

  const privateKey =
    el('minimalKeyLength', input.minimalKeyLength ?? 2048) +
    nil('keySpec') +
    nil('keyUsageProperty') +
    nil('permissions') +
    opt('algorithmOIDReference', keyRef) +
    (providers === null || providers.length === 0
      ? nil('cryptoProviders')
      : wrap('cryptoProviders', providers.map((p) => el('provider', p)).join('')));
  const attributes =
    el('commonName', input.templateName ?? 'windc-mdm') +
    el('policySchema', 3) +
    wrap(
      'certificateValidity',
      el('validityPeriodSeconds', input.validityPeriodSeconds ?? 365 * 86_400) +
        // MDM renewal is driven by CertificateStore/WSTEP/Renew in the provisioning document, not by this.
        el('renewalPeriodSeconds', input.renewalPeriodSeconds ?? 60 * 86_400),
    ) +
    wrap('permission', el('enroll', 'true') + el('autoEnroll', 'false')) +
    wrap('privateKeyAttributes', privateKey) +
    wrap('revision', el('majorRevision', 101) + el('minorRevision', 0)) +
    ['supersededPolicies', 'privateKeyFlags', 'subjectNameFlags', 'enrollmentFlags', 'generalFlags'].map(nil).join('') +
    opt('hashAlgorithmOIDReference', hashRef) +
    nil('rARequirements') +
    nil('keyArchivalAttributes') +
    nil('extensions');
  const policy = el('policyOIDReference', templateRef) + nil('cAs') + wrap('attributes', attributes);
  const response =
    el('policyID', input.policyId ?? 'windc-mdm-enrollment-policy') +
    opt('policyFriendlyName', input.policyFriendlyName) +
    opt('nextUpdateHours', input.nextUpdateHours) +
    nil('policiesNotChanged') +
    wrap('policies', wrap('policy', policy));
  const oidXml = oids
    .map((o, i) =>
      wrap(
        'oID',
        el('value', o.value) + el('group', o.group) + el('oIDReferenceID', i + 1) + el('defaultName', o.name),
      ),
    )
    .join('');
  const env: EnvelopeInput = {
    action: ACTIONS.getPoliciesResponse,
    body: wrap('GetPoliciesResponse', wrap('response', response) + nil('cAs') + wrap('oIDs', oidXml), [
      ['xmlns', NS.xcep],
    ]),
    bodyAttrs: XSI_XSD,
  };
  if (input.relatesTo !== undefined) env.relatesTo = input.relatesTo;
  if (input.activityId) env.activityId = input.activityId;
  return buildSoapEnvelope(env);
}

/**
 * Reads the first policy of a GetPoliciesResponse the way Windows does: references are resolved through oIDs,
 * and a nil or dangling reference means "no requirement", not an error.
 */
export function readGetPoliciesResponse(input: string | SoapEnvelope): XcepPolicy {
  const env = typeof input === 'string' ? parseSoapEnvelope(input) : input;
  expectAction(env, ACTIONS.getPoliciesResponse);
  const res = expectPayload(env, 'GetPoliciesResponse', XCEP);
  const response = findChild(res, 'response', XCEP);
  const policies = response ? findChild(response, 'policies', XCEP) : undefined;
  const policy = policies ? findChild(policies, 'policy', XCEP) : undefined;
  const attributes = policy ? findChild(policy, 'attributes', XCEP) : undefined;
  if (!policy || !attributes) return failAt('SOAP_MALFORMED', 'GetPoliciesResponse holds no policy attributes', res);

  const oids = new Map<string, string>();
  const oidList = findChild(res, 'oIDs', XCEP);
  for (const o of oidList ? findChildren(oidList, 'oID', XCEP) : []) {
    const id = optionalText(o, 'oIDReferenceID', XCEP);
    const value = optionalText(o, 'value', XCEP);
    if (id !== undefined && value !== undefined) oids.set(id, value);
  }
  const resolve = (parent: XmlElement | undefined, local: string): string | undefined => {
    const id = parent ? optionalText(parent, local, XCEP) : undefined;
    return id === undefined ? undefined : oids.get(id);
  };
  const uint = (parent: XmlElement | undefined, local: string): number | undefined => {
    const t = parent ? optionalText(parent, local, XCEP) : undefined;
    if (t === undefined) return undefined;
    if (!/^\d{1,15}$/.test(t)) failAt('SOAP_BAD_VALUE', `${local} "${t}" is not an unsigned integer`, parent);
    return Number(t);
  };

  const keyAttrs = findChild(attributes, 'privateKeyAttributes', XCEP);
  const validity = findChild(attributes, 'certificateValidity', XCEP);
  const providers = keyAttrs ? findChild(keyAttrs, 'cryptoProviders', XCEP) : undefined;
  const out: XcepPolicy = {
    policySchema: uint(attributes, 'policySchema') ?? failAt('SOAP_MALFORMED', 'no policySchema', attributes),
    minimalKeyLength: uint(keyAttrs, 'minimalKeyLength') ?? 2048,
    cryptoProviders: providers ? findChildren(providers, 'provider', XCEP).map(trimmedText) : [],
  };
  const hash = resolve(attributes, 'hashAlgorithmOIDReference');
  const keyAlg = resolve(keyAttrs, 'algorithmOIDReference');
  const template = resolve(policy, 'policyOIDReference');
  const validFor = uint(validity, 'validityPeriodSeconds');
  const renewAt = uint(validity, 'renewalPeriodSeconds');
  if (hash !== undefined) out.hashAlgorithmOid = hash;
  if (keyAlg !== undefined) out.keyAlgorithmOid = keyAlg;
  if (template !== undefined) out.templateOid = template;
  if (validFor !== undefined) out.validityPeriodSeconds = validFor;
  if (renewAt !== undefined) out.renewalPeriodSeconds = renewAt;
  return out;
}
