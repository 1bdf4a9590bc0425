/**
 * The client messages of a session, shaped like the 26200 captures element by element:
 *
 * - SyncHdr: VerDTD, VerProto, SessionID, MsgID, Target (the server URL without the query the HTTP request adds),
 *   Source (DevId); never Meta, so the client announces no MaxMsgSize of its own. MsgID 1 has no Cred; every later
 *   message carries Source/LocName and the MD5 Cred.
 * - CmdIDs restart at 1 in every message; 1 belongs to the Status for the server's SyncHdr, so package 1, which
 *   has none, starts at 2.
 * - Package 1: Alert 1201, Alert 1224 LoginStatus (Meta Type only, no Format), any 1226 generic alerts, Replace of
 *   the five DevInfo nodes, Final. The WinDC summary 1224 has no capture; it goes with the other client events,
 *   before the 1226 alerts and the Replace.
 */
import {
  AlertCode,
  type AlertCommand,
  AlertType,
  alert,
  type Cred,
  LoginStatus,
  md5Cred,
  type ReplaceCommand,
  SYNCML_12,
  type SyncHdr,
  type SyncMLCommand,
  type SyncMLMessage,
  typedAlert,
} from '../../protocol/syncml/index.ts';
import type { ManagementEndpoint } from '../endpoint.ts';
import type { AppAuth } from '../enroll/record.ts';

export interface HeaderInput {
  sessionId: string;
  msgId: number;
  serverUrl: string;
  devId: string;
  /** Present from MsgID 2 on. */
  auth?: { locName: string; cred: Cred };
}

export function clientHeader(h: HeaderInput): SyncHdr {
  const hdr: SyncHdr = {
    verDtd: '1.2',
    verProto: 'DM/1.2',
    sessionId: h.sessionId,
    msgId: String(h.msgId),
    target: { locUri: h.serverUrl },
    source: h.auth ? { locUri: h.devId, locName: h.auth.locName } : { locUri: h.devId },
  };
  if (h.auth) hdr.cred = h.auth.cred;
  return hdr;
}

/** The Cred for APPSRV credentials: MD5 over the current nonce, or Basic's b64 of `name:secret`. */
export function credFor(appsrv: AppAuth): Cred {
  if (appsrv.type === 'BASIC') {
    return {
      meta: { format: 'b64', type: 'syncml:auth-basic' },
      data: Buffer.from(`${appsrv.name}:${appsrv.secret}`, 'utf8').toString('base64'),
    };
  }
  return md5Cred(appsrv.name, appsrv.secret, appsrv.nonce);
}

/** A 1226 generic alert the client raises, e.g. the user removing the work account. */
export interface GenericAlert {
  type: string;
  format?: string;
  mark?: string;
  data: string;
}

/** The user removed the work account: the 26200 capture's alert, Meta in Windows' Type, Format, Mark order. */
export const USER_UNENROLLMENT: GenericAlert = {
  type: AlertType.UNENROLLMENT_USER_REQUEST,
  format: 'int',
  mark: 'critical',
  data: '1',
};

function genericAlert(cmdId: string, g: GenericAlert): AlertCommand {
  const meta: { format?: string; mark?: string; typeFirst?: true } = { typeFirst: true };
  if (g.format !== undefined) meta.format = g.format;
  if (g.mark !== undefined) meta.mark = g.mark;
  return typedAlert(cmdId, AlertCode.GENERIC_ALERT, g.type, g.data, meta);
}

export interface Package1Input {
  endpoint: ManagementEndpoint;
  loginStatus?: (typeof LoginStatus)[keyof typeof LoginStatus];
  genericAlerts?: readonly GenericAlert[];
}

/** The commands of package 1, numbered from 2. */
export function package1Commands(input: Package1Input, nextCmdId: () => string): SyncMLCommand[] {
  return package1(input, nextCmdId).commands;
}

/**
 * Package 1's commands, numbered from 2, and a key of everything in them that can differ between two sessions of
 * one device: the login status, the alerts of the moment (WinDC summary, 1226s) and the DevInfo values. The rest
 * is fixed by this function, so equal keys mean equal commands.
 */
export function package1(input: Package1Input, nextCmdId: () => string): { commands: SyncMLCommand[]; key: string } {
  const loginStatus = input.loginStatus ?? LoginStatus.USER;
  const out: SyncMLCommand[] = [alert(nextCmdId(), AlertCode.CLIENT_INITIATED_MGMT)];
  out.push(typedAlert(nextCmdId(), AlertCode.CLIENT_EVENT, AlertType.LOGIN_STATUS, loginStatus));
  const events = input.endpoint.clientAlerts(nextCmdId);
  out.push(...events);
  const generic = input.genericAlerts ?? [];
  for (const g of generic) out.push(genericAlert(nextCmdId(), g));
  const devInfo = input.endpoint.devInfo();
  const replace: ReplaceCommand = { kind: 'Replace', cmdId: nextCmdId(), items: devInfo };
  out.push(replace);
  let key = `${loginStatus}\n${events.length > 0 ? JSON.stringify(events) : ''}\n${generic.length > 0 ? JSON.stringify(generic) : ''}`;
  for (const i of devInfo) key += `\n${i.source?.locUri}\u0000${i.data}`;
  return { commands: out, key };
}

export function clientMessage(
  header: SyncHdr,
  commands: SyncMLCommand[],
  final: boolean,
  msftNamespace: boolean,
): SyncMLMessage {
  const m: SyncMLMessage = { namespace: SYNCML_12, header, commands, final };
  if (msftNamespace) m.msftNamespace = true;
  return m;
}
