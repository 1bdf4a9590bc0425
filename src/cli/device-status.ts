/**
 * What `windc device status` reports: identity, Entra state, every account with its enrollment, linked
 * enrollment progress, certificate, sessions and next poll, and every DeclaredConfiguration document. The JSON
 * form is for scripts; it never contains the DM credentials, which stay in enrollments.json.
 */
import { X509Certificate } from 'node:crypto';
import type { DeviceClient } from '../device/client.ts';
import { stateName } from '../protocol/declared/index.ts';

export interface AccountStatus {
  id: string;
  kind: string;
  providerId: string;
  serverUrl: string | null;
  linkedTo: string | null;
  authPolicy: string | null;
  sessions: number;
  lastSession: { at: string; ok: boolean; error?: string } | null;
  nextPoll: string | null;
  linkedEnrollment?: { discoveryEndpoint: string | null; enrollStatus: number; lastError: string };
  certificate?: { subject: string; issuer: string; notAfter: string; serial: string };
}

export interface DocumentStatus {
  accountId: string;
  docId: string;
  scope: string;
  host: string;
  scenario: string;
  checksum: string;
  state: number;
  stateName: string;
  abandoned: boolean;
}

export interface DeviceStatus {
  dir: string;
  device: {
    devId: string;
    hwDevId: string;
    deviceName: string;
    osVersion: string;
    manufacturer: string;
    model: string;
  };
  entra: { joinType: string; deviceId: string; upn?: string } | null;
  accounts: AccountStatus[];
  documents: DocumentStatus[];
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export async function deviceStatus(client: DeviceClient): Promise<DeviceStatus> {
  const d = client.device;
  const accounts: AccountStatus[] = [];
  for (const a of d.accountList()) {
    const r = client.store.get(a.id);
    const s: AccountStatus = {
      id: a.id,
      kind: a.kind,
      providerId: decodeURIComponent(a.providerId),
      serverUrl: r?.serverUrl ?? a.serverUrl ?? null,
      linkedTo: a.linkedTo ?? null,
      authPolicy: r?.authPolicy ?? null,
      sessions: r?.sessionCount ?? 0,
      lastSession: r?.lastSession ? { ...r.lastSession, at: new Date(r.lastSession.at).toISOString() } : null,
      nextPoll: iso(client.nextPoll(a.id)),
    };
    if (a.kind === 'primary') {
      const base = `./Device/Vendor/MSFT/DMClient/Provider/${a.providerId}/LinkedEnrollment`;
      const st = d.dmclient.status(a.providerId);
      s.linkedEnrollment = {
        discoveryEndpoint: d.getNode(`${base}/DiscoveryEndpoint`) || null,
        enrollStatus: st.enrollStatus,
        lastError: `0x${(st.lastError >>> 0).toString(16).padStart(8, '0')}`,
      };
    }
    const tls = r ? await client.store.readTls(r.tlsDir) : undefined;
    if (tls) {
      const c = new X509Certificate(tls.cert);
      s.certificate = {
        subject: c.subject,
        issuer: c.issuer,
        notAfter: new Date(c.validTo).toISOString(),
        serial: c.serialNumber,
      };
    }
    accounts.push(s);
  }
  const documents = d.declared.docs.list().map(
    (rec): DocumentStatus => ({
      accountId: rec.accountId,
      docId: rec.document.id,
      scope: rec.scope,
      host: rec.host,
      scenario: rec.document.scenario,
      checksum: rec.document.checksum,
      state: rec.state,
      stateName: stateName(rec.state),
      abandoned: rec.abandoned,
    }),
  );
  const id = d.identity;
  const entra = client.store.entra;
  return {
    dir: d.dir,
    device: {
      devId: id.devId,
      hwDevId: id.hwDevId,
      deviceName: id.deviceName,
      osVersion: id.osVersion,
      manufacturer: id.manufacturer,
      model: id.model,
    },
    entra: entra ? { ...entra } : null,
    accounts,
    documents,
  };
}

export function renderStatus(s: DeviceStatus): string {
  const lines = [
    `device ${s.device.deviceName}  DevId ${s.device.devId}  Windows ${s.device.osVersion}`,
    `  directory   ${s.dir}`,
  ];
  if (s.entra)
    lines.push(`  Entra       ${s.entra.joinType}, device ${s.entra.deviceId}${s.entra.upn ? `, ${s.entra.upn}` : ''}`);
  if (s.accounts.length === 0) lines.push('  not enrolled');
  for (const a of s.accounts) {
    lines.push('', `${a.kind} account ${a.providerId} (${a.id})`);
    lines.push(
      `  server      ${a.serverUrl ?? '(managed elsewhere)'}${a.authPolicy ? `, enrolled with ${a.authPolicy}` : ''}`,
    );
    if (a.certificate)
      lines.push(`  certificate ${a.certificate.subject.replace(/\n/g, ', ')}, until ${a.certificate.notAfter}`);
    if (a.authPolicy) {
      const last = a.lastSession
        ? `${a.lastSession.ok ? 'ok' : `failed: ${a.lastSession.error}`} at ${a.lastSession.at}`
        : 'none yet';
      lines.push(`  sessions    ${a.sessions}, last ${last}`);
      if (a.nextPoll) lines.push(`  next poll   ${a.nextPoll}`);
    }
    const le = a.linkedEnrollment;
    if (le && (le.discoveryEndpoint || le.enrollStatus !== 0)) {
      lines.push(
        `  linked      EnrollStatus ${le.enrollStatus}, LastError ${le.lastError}, ${le.discoveryEndpoint ?? 'no DiscoveryEndpoint'}`,
      );
    }
    for (const doc of s.documents.filter((x) => x.accountId === a.id)) {
      lines.push(
        `  document    ${doc.scope}/${doc.host} ${doc.docId} ${doc.scenario} state ${doc.state} ${doc.stateName}${doc.abandoned ? ' (abandoned)' : ''}`,
      );
    }
  }
  return lines.join('\n');
}
