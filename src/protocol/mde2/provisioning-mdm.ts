import { createHash } from 'node:crypto';
import { encodeBase64 } from './base64.ts';
import {
  characteristic,
  findCharacteristic,
  findParm,
  type ProvisioningCharacteristic,
  type ProvisioningDoc,
  type ProvisioningNode,
  parm,
  parms,
  subCharacteristics,
} from './provisioning.ts';

/** One w7 APPAUTH block. DIGEST is what Windows uses; BASIC is accepted by the CSP but sends the secret in clear. */
export interface AppAuthInput {
  type?: 'DIGEST' | 'BASIC';
  name?: string;
  secret: string;
  /**
   * Initial digest nonce (AAUTHDATA), base64. Required: Windows 11 26200 refused a document without one
   * (event 17, 0x80070057; UI 0x80180023) and never contacted the server.
   */
  nonce: string;
}

/** The DMClient CSP poll schedule (minutes and counts). */
export interface PollSchedule {
  numberOfFirstRetries?: number;
  intervalForFirstSetOfRetries?: number;
  numberOfSecondRetries?: number;
  intervalForSecondSetOfRetries?: number;
  numberOfRemainingScheduledRetries?: number;
  intervalForRemainingScheduledRetries?: number;
  pollOnLogin?: boolean;
  allUsersPollOnFirstLogin?: boolean;
}

/** The values of Learn's federated-enrollment example; MS-MDE2 §2.2.9.3 warns that no schedule is undefined. */
export const DEFAULT_POLL_SCHEDULE: Readonly<Required<Omit<PollSchedule, 'allUsersPollOnFirstLogin'>>> = {
  numberOfFirstRetries: 8,
  intervalForFirstSetOfRetries: 15,
  numberOfSecondRetries: 5,
  intervalForSecondSetOfRetries: 3,
  numberOfRemainingScheduledRetries: 0,
  intervalForRemainingScheduledRetries: 1560,
  pollOnLogin: true,
};

export interface MdmProvisioningInput {
  /** DER of the CA certificate to trust (CertificateStore/Root/System). */
  rootCertificate: Uint8Array;
  /** Intermediate CAs, written to CertificateStore/CA/System as in MS-MDE2's example. */
  intermediateCertificates?: readonly Uint8Array[];
  /** DER of the issued device certificate (CertificateStore/My/<store>). */
  clientCertificate: Uint8Array;
  /** System for device enrollments (what Intune uses); User for user-scoped enrollments. */
  clientStore: 'System' | 'User';
  /** CertificateStore/WSTEP/Renew; omit when the server does not implement renewal (Learn's advice). */
  renew?: { roboSupport: boolean; renewPeriodDays: number; retryIntervalDays: number };
  application: {
    providerId: string;
    name: string;
    /** The OMA-DM endpoint URL. */
    addr: string;
    connRetryFreq?: number;
    initialBackoffTime?: number;
    maxBackoffTime?: number;
    defaultEncoding?: 'application/vnd.syncml.dm+xml' | 'application/vnd.syncml.dm+wbxml';
    sslClientCertSearchCriteria?: string;
    /** AAUTHLEVEL APPSRV: what the device presents to the server (OMA-DM Cred). */
    appsrv: AppAuthInput & { name: string };
    /** AAUTHLEVEL CLIENT: what the server presents to the device. */
    client: AppAuthInput;
    extraParms?: readonly ProvisioningNode[];
  };
  dmClient?: {
    entDmId?: string;
    upn?: string;
    entDeviceName?: string;
    poll?: PollSchedule;
    extraParms?: readonly ProvisioningNode[];
  };
}

/** Upper-case hex SHA-1 of the DER: the name Windows gives a certificate in CertificateStore paths. */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('hex').toUpperCase();
}

/** SSLCLIENTCERTSEARCHCRITERIA: URL-encoded `Subject=CN=…&Stores=MY\System`, as the w7 CSP expects. */
export function sslClientCertSearchCriteria(subjectCn: string, store: 'System' | 'User'): string {
  return `Subject=${encodeURIComponent(`CN=${subjectCn}`)}&Stores=${encodeURIComponent(`MY\\${store}`)}`;
}

function pollNodes(p: PollSchedule): ProvisioningNode[] {
  const out: ProvisioningNode[] = [];
  const num = (name: string, v: number | undefined) => v !== undefined && out.push(parm(name, v, 'integer'));
  const bool = (name: string, v: boolean | undefined) => v !== undefined && out.push(parm(name, v, 'boolean'));
  num('NumberOfFirstRetries', p.numberOfFirstRetries);
  num('IntervalForFirstSetOfRetries', p.intervalForFirstSetOfRetries);
  num('NumberOfSecondRetries', p.numberOfSecondRetries);
  num('IntervalForSecondSetOfRetries', p.intervalForSecondSetOfRetries);
  num('NumberOfRemainingScheduledRetries', p.numberOfRemainingScheduledRetries);
  num('IntervalForRemainingScheduledRetries', p.intervalForRemainingScheduledRetries);
  bool('PollOnLogin', p.pollOnLogin);
  bool('AllUsersPollOnFirstLogin', p.allUsersPollOnFirstLogin);
  return out;
}

function appAuth(level: 'CLIENT' | 'APPSRV', a: AppAuthInput): ProvisioningCharacteristic {
  const nodes: ProvisioningNode[] = [parm('AAUTHLEVEL', level), parm('AAUTHTYPE', a.type ?? 'DIGEST')];
  if (a.name !== undefined) nodes.push(parm('AAUTHNAME', a.name));
  nodes.push(parm('AAUTHSECRET', a.secret), parm('AAUTHDATA', a.nonce));
  return characteristic('APPAUTH', ...nodes);
}

/**
 * The document in the order Windows applies it: trust and client certificates, then the OMA-DM account (w7
 * APPLICATION) that uses them, then the DMClient settings of that account, whose Provider node must be named
 * exactly like PROVIDER-ID.
 */
export function buildMdmProvisioningDoc(input: MdmProvisioningInput): ProvisioningDoc {
  if (!input.application.client.nonce || !input.application.appsrv.nonce) {
    throw new TypeError('both APPAUTH blocks need an AAUTHDATA nonce');
  }
  const cert = (der: Uint8Array, ...extra: ProvisioningNode[]) =>
    characteristic(certificateThumbprint(der), parm('EncodedCertificate', encodeBase64(der)), ...extra);
  const stores: ProvisioningNode[] = [characteristic('Root', characteristic('System', cert(input.rootCertificate)))];
  if (input.intermediateCertificates?.length) {
    stores.push(characteristic('CA', characteristic('System', ...input.intermediateCertificates.map((d) => cert(d)))));
  }
  // PrivateKeyContainer sits beside the thumbprint, as on Learn's federated page and in the captured document
  // Windows accepted; MS-MDE's example nests it inside the thumbprint, which the reader also accepts.
  const my: ProvisioningNode[] = [
    characteristic(input.clientStore, cert(input.clientCertificate), characteristic('PrivateKeyContainer')),
  ];
  if (input.renew) {
    my.push(
      characteristic(
        'WSTEP',
        characteristic(
          'Renew',
          parm('ROBOSupport', input.renew.roboSupport, 'boolean'),
          parm('RenewPeriod', input.renew.renewPeriodDays, 'integer'),
          parm('RetryInterval', input.renew.retryIntervalDays, 'integer'),
        ),
      ),
    );
  }
  stores.push(characteristic('My', ...my));

  const a = input.application;
  const app: ProvisioningNode[] = [
    parm('APPID', 'w7'),
    parm('PROVIDER-ID', a.providerId),
    parm('NAME', a.name),
    parm('ADDR', a.addr),
    parm('CONNRETRYFREQ', a.connRetryFreq ?? 6),
    parm('INITIALBACKOFFTIME', a.initialBackoffTime ?? 30_000),
    parm('MAXBACKOFFTIME', a.maxBackoffTime ?? 120_000),
    // Presence disables the pre-Windows-8 retry behaviour; every Microsoft example sets it.
    parm('BACKCOMPATRETRYDISABLED'),
    parm('DEFAULTENCODING', a.defaultEncoding ?? 'application/vnd.syncml.dm+xml'),
  ];
  if (a.sslClientCertSearchCriteria !== undefined) {
    app.push(parm('SSLCLIENTCERTSEARCHCRITERIA', a.sslClientCertSearchCriteria));
  }
  app.push(...(a.extraParms ?? []), appAuth('CLIENT', a.client), appAuth('APPSRV', a.appsrv));

  const d = input.dmClient ?? {};
  const provider: ProvisioningNode[] = [];
  if (d.entDmId !== undefined) provider.push(parm('EntDMID', d.entDmId, 'string'));
  if (d.upn !== undefined) provider.push(parm('UPN', d.upn, 'string'));
  if (d.entDeviceName !== undefined) provider.push(parm('EntDeviceName', d.entDeviceName, 'string'));
  provider.push(...(d.extraParms ?? []), characteristic('Poll', ...pollNodes(d.poll ?? DEFAULT_POLL_SCHEDULE)));

  return {
    version: '1.1',
    characteristics: [
      characteristic('CertificateStore', ...stores),
      characteristic('APPLICATION', ...app),
      characteristic('DMClient', characteristic('Provider', characteristic(a.providerId, ...provider))),
    ],
  };
}

export interface ProvisionedCertificate {
  thumbprint: string;
  /** EncodedCertificate as written (base64 DER). */
  encoded: string;
}

/** A typed view of the parts of a provisioning document the OMA-DM client acts on. */
export interface MdmProvisioning {
  version: string;
  rootCertificates: ProvisionedCertificate[];
  intermediateCertificates: ProvisionedCertificate[];
  clientCertificate?: ProvisionedCertificate & { store: string; privateKeyContainer: boolean };
  renew?: Map<string, string | undefined>;
  application?: {
    /** Every APPLICATION parm by name (names are case-sensitive upper case). */
    parms: Map<string, string | undefined>;
    appAuth: Array<Map<string, string | undefined>>;
  };
  dmClient?: {
    providerId: string;
    parms: Map<string, string | undefined>;
    poll: Map<string, string | undefined>;
  };
}

const parmMap = (c: ProvisioningCharacteristic | undefined) =>
  new Map((c ? parms(c) : []).map((p) => [p.name, p.value] as const));

function certsUnder(c: ProvisioningCharacteristic | undefined): ProvisionedCertificate[] {
  return (c ? subCharacteristics(c) : []).map((t) => ({
    thumbprint: t.type,
    encoded: findParm(t, 'EncodedCertificate')?.value ?? '',
  }));
}

const KEY_CONTAINER = 'PrivateKeyContainer';

export function readMdmProvisioning(doc: ProvisioningDoc): MdmProvisioning {
  const out: MdmProvisioning = {
    version: doc.version,
    rootCertificates: certsUnder(findCharacteristic(doc, 'CertificateStore', 'Root', 'System')),
    intermediateCertificates: certsUnder(findCharacteristic(doc, 'CertificateStore', 'CA', 'System')),
  };
  const my = findCharacteristic(doc, 'CertificateStore', 'My');
  for (const store of my ? subCharacteristics(my) : []) {
    if (store.type === 'WSTEP') continue;
    const c = subCharacteristics(store).find((x) => x.type !== KEY_CONTAINER);
    if (!c) continue;
    out.clientCertificate = {
      store: store.type,
      thumbprint: c.type,
      encoded: findParm(c, 'EncodedCertificate')?.value ?? '',
      privateKeyContainer:
        findCharacteristic(store, KEY_CONTAINER) !== undefined || findCharacteristic(c, KEY_CONTAINER) !== undefined,
    };
    break;
  }
  const renew = findCharacteristic(doc, 'CertificateStore', 'My', 'WSTEP', 'Renew');
  if (renew) out.renew = parmMap(renew);
  const app = findCharacteristic(doc, 'APPLICATION');
  if (app) {
    out.application = {
      parms: parmMap(app),
      appAuth: subCharacteristics(app)
        .filter((c) => c.type === 'APPAUTH')
        .map(parmMap),
    };
  }
  const providers = findCharacteristic(doc, 'DMClient', 'Provider');
  const [provider] = providers ? subCharacteristics(providers) : [];
  if (provider) {
    out.dmClient = {
      providerId: provider.type,
      parms: parmMap(provider),
      poll: parmMap(findCharacteristic(provider, 'Poll')),
    };
  }
  return out;
}

/**
 * What Windows is known to reject, so the emulator can fail where a real client would. Empty when none apply.
 */
export function mdmProvisioningProblems(p: MdmProvisioning): string[] {
  const problems: string[] = [];
  if (p.rootCertificates.length === 0) problems.push('no CertificateStore/Root/System certificate');
  if (!p.clientCertificate) problems.push('no client certificate under CertificateStore/My');
  else if (!p.clientCertificate.privateKeyContainer) problems.push('client certificate has no PrivateKeyContainer');
  const app = p.application;
  if (!app) return [...problems, 'no APPLICATION characteristic'];
  if (app.parms.get('APPID') !== 'w7') problems.push('APPLICATION APPID is not w7');
  if (!app.parms.get('ADDR')) problems.push('APPLICATION has no ADDR');
  const providerId = app.parms.get('PROVIDER-ID');
  if (!providerId) problems.push('APPLICATION has no PROVIDER-ID');
  for (const level of ['CLIENT', 'APPSRV']) {
    const auth = app.appAuth.find((a) => a.get('AAUTHLEVEL') === level);
    if (!auth) problems.push(`no APPAUTH with AAUTHLEVEL ${level}`);
    else if (!auth.get('AAUTHDATA')) problems.push(`APPAUTH ${level} has no AAUTHDATA nonce`);
  }
  if (p.dmClient && providerId && p.dmClient.providerId !== providerId) {
    problems.push(`DMClient provider "${p.dmClient.providerId}" differs from PROVIDER-ID "${providerId}"`);
  }
  return problems;
}
