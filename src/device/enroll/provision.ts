/**
 * Applying the wap-provisioningdoc the enrollment answered with, as Windows does at the end of MS-MDE2: refuse
 * what Windows refuses (mdmProvisioningProblems: no root, no client certificate, no APPAUTH nonce…), install the
 * certificates (here: key.pem, cert.pem, ca.pem), create the OMA-DM account from the w7 APPLICATION, and write the
 * DMClient Provider settings (EntDMID, UPN, Poll…) into the CSP tree, where a server can read and change them.
 */
import { X509Certificate } from 'node:crypto';
import { mdmProvisioningProblems, parseProvisioningDoc, readMdmProvisioning } from '../../protocol/mde2/index.ts';
import type { AccountInfo, AccountKind } from '../account.ts';
import type { Device } from '../device.ts';
import { HResult, HResultError } from '../hresult.ts';
import { type EnrollmentKey, publicKeySpki } from './keys.ts';
import { type AppAuth, type EnrollmentRecord, EnrollmentStore } from './record.ts';

export interface ProvisionInput {
  device: Device;
  store: EnrollmentStore;
  kind: AccountKind;
  linkedTo?: string;
  authPolicy: string;
  provisioningDoc: string;
  key: EnrollmentKey;
  now: number;
}

const POLL_BOOLEANS = new Set(['PollOnLogin', 'AllUsersPollOnFirstLogin']);

function pem(label: string, base64: string): string {
  const body =
    base64
      .replace(/\s+/g, '')
      .match(/.{1,64}/g)
      ?.join('\n') ?? '';
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function appAuth(map: Map<string, string | undefined> | undefined): AppAuth | undefined {
  if (!map) return undefined;
  const type = map.get('AAUTHTYPE') === 'BASIC' ? 'BASIC' : 'DIGEST';
  return {
    type,
    name: map.get('AAUTHNAME') ?? '',
    secret: map.get('AAUTHSECRET') ?? '',
    nonce: map.get('AAUTHDATA') ?? '',
  };
}

const ms = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);

/** The ProviderID as a LocURI segment: Windows URI-encodes it (`MS%20DM%20SERVER`). */
export function providerSegment(providerId: string): string {
  return encodeURIComponent(providerId);
}

export async function applyProvisioning(
  input: ProvisionInput,
): Promise<{ account: AccountInfo; record: EnrollmentRecord }> {
  const { device, store } = input;
  const doc = readMdmProvisioning(parseProvisioningDoc(input.provisioningDoc));
  const problems = mdmProvisioningProblems(doc);
  if (problems.length > 0) {
    // Event 17 "OMA-DM client configuration failed" with E_INVALIDARG, what 26200 logged for a missing nonce.
    throw new HResultError(HResult.INVALID_PARAMETER, `provisioning document refused: ${problems.join('; ')}`);
  }
  const certB64 = doc.clientCertificate?.encoded ?? '';
  const cert = new X509Certificate(Buffer.from(certB64, 'base64'));
  if (cert.publicKey.export({ format: 'der', type: 'spki' }).toString('hex') !== publicKeySpki(input.key)) {
    throw new HResultError(HResult.FAIL, 'the issued certificate does not certify the key the CSR was made with');
  }
  const app = doc.application;
  const rawProvider = app?.parms.get('PROVIDER-ID') ?? '';
  const providerId = providerSegment(rawProvider);
  const addr = app?.parms.get('ADDR') ?? '';

  // A new enrollment with the same ProviderID replaces the old one, as the server replaces its record.
  const old = device.accountList().find((a) => a.providerId.toLowerCase() === providerId.toLowerCase());
  if (old) {
    device.removeAccount(old.id);
    await store.remove(old.id);
  }
  const account = device.addAccount({
    kind: input.kind,
    providerId,
    serverUrl: addr,
    ...(input.linkedTo ? { linkedTo: input.linkedTo } : {}),
  });
  const base = `./Device/Vendor/MSFT/DMClient/Provider/${providerId}`;
  for (const [name, value] of doc.dmClient?.parms ?? []) {
    if (value !== undefined) device.setNode(`${base}/${name}`, value);
  }
  for (const [name, value] of doc.dmClient?.poll ?? []) {
    if (value !== undefined) device.setNode(`${base}/Poll/${name}`, value, POLL_BOOLEANS.has(name) ? 'bool' : 'int');
  }
  const auths = app?.appAuth ?? [];
  const appsrv = appAuth(auths.find((a) => a.get('AAUTHLEVEL') === 'APPSRV'));
  const client = appAuth(auths.find((a) => a.get('AAUTHLEVEL') === 'CLIENT'));
  const tlsDir = EnrollmentStore.tlsDirFor(account.id, input.kind === 'primary');
  const rootB64 = doc.rootCertificates[0]?.encoded ?? '';
  await store.writeTls(tlsDir, {
    key: input.key.privateKeyPem,
    cert: pem('CERTIFICATE', certB64),
    ca: pem('CERTIFICATE', rootB64),
  });
  const record: EnrollmentRecord = {
    accountId: account.id,
    serverUrl: addr,
    authPolicy: input.authPolicy,
    tlsDir,
    sessionCount: 0,
    enrolledAt: input.now,
  };
  if (appsrv) record.appsrv = appsrv;
  if (client) record.client = client;
  const retries = ms(app?.parms.get('CONNRETRYFREQ'));
  const initial = ms(app?.parms.get('INITIALBACKOFFTIME'));
  const max = ms(app?.parms.get('MAXBACKOFFTIME'));
  if (retries !== undefined) record.connRetryFreq = retries;
  if (initial !== undefined) record.initialBackoffMs = initial;
  if (max !== undefined) record.maxBackoffMs = max;
  await store.put(record);
  await device.save();
  return { account, record };
}
