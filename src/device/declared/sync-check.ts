/**
 * The synchronous syntax check a document gets when it is written (seed 002: "If there's a syntax error, the CSP
 * returns an error immediately back to the server as part of the current OMA-DM session"), with the event-log lines
 * seed 001 shows for the three documented mistakes:
 * - LocURI scope ≠ document context: the configuration manager fails the command with "The system cannot find the
 *   file specified." (0x80070002), status 404;
 * - document id ≠ DocID: document parsing ends with 0x8000FFFF "Catastrophic failure", status 500;
 * - an unknown osdefinedscenario: "Invalid scenario name" on the resource-access page, status 400.
 * Any other defect (XML not well-formed, a missing attribute, a body that does not fit the scenario) is a 400
 * logged as E_INVALIDARG: Windows' own code for those is not published. The statuses are the ProtocolError
 * catalogue's (`syncmlStatus`), so server-side validation and the device agree.
 */
import { Buffer } from 'node:buffer';
import {
  type DeclaredConfigurationDocument,
  parseDocument,
  parseTargetedDocument,
} from '../../protocol/declared/index.ts';
import { type ErrorCode, ProtocolError } from '../../protocol/errors.ts';
import type { AccountInfo } from '../account.ts';
import type { DeviceEvent } from '../events/event-log.ts';
import { declaredCommandFailure, endDocumentParsing, invalidScenario } from '../events/event-text.ts';
import { HResult } from '../hresult.ts';
import type { DeviceIdentity } from '../identity.ts';

const HRESULT_OF: Partial<Record<ErrorCode, number>> = {
  DC_SCOPE_MISMATCH: HResult.FILE_NOT_FOUND,
  DC_ID_MISMATCH: HResult.CATASTROPHIC_FAILURE,
};

export type SyncCheck =
  | { ok: true; document: DeclaredConfigurationDocument; events: Omit<DeviceEvent, 'time'>[] }
  | { ok: false; code: number; hresult: number; error: ProtocolError; events: Omit<DeviceEvent, 'time'>[] };

export interface SyncCheckInput {
  locUri: string;
  text: string;
  command: 'Add' | 'Replace';
  account: AccountInfo;
  identity: DeviceIdentity;
}

/** "End document parsing" fields of a parsed document. */
function parsingLine(doc: DeclaredConfigurationDocument, input: SyncCheckInput, hresult: number): string {
  let uriCount = 0;
  for (const b of doc.blocks) uriCount += b.kind === 'CSP' ? b.uris.length : b.properties.length;
  return endDocumentParsing({
    docId: doc.id,
    scenario: doc.scenario,
    version: doc.checksum,
    enrollmentId: input.account.id,
    currentUser: doc.context === 'User' ? input.identity.userSid : 'S-1-5-18',
    schema: doc.schema,
    scope: doc.context === 'User' ? 0x2 : 0x1,
    enrollType: input.account.enrollType,
    fileSize: Buffer.byteLength(input.text, 'utf8'),
    cspCount: doc.blocks.length,
    uriCount,
    actionRequested: 0x0,
    hresult,
  });
}

export function syncCheck(input: SyncCheckInput): SyncCheck {
  try {
    const { document } = parseTargetedDocument(input.locUri, input.text);
    return {
      ok: true,
      document,
      events: [{ channel: 'Operational', level: 'Information', message: parsingLine(document, input, HResult.S_OK) }],
    };
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    const hresult = HRESULT_OF[e.code] ?? HResult.INVALID_PARAMETER;
    const events: Omit<DeviceEvent, 'time'>[] = [];
    if (e.code === 'DC_ID_MISMATCH') {
      events.push({
        channel: 'Admin',
        level: 'Error',
        message: parsingLine(parseDocument(input.text), input, hresult),
      });
    } else {
      events.push({
        channel: 'Admin',
        level: 'Error',
        message: declaredCommandFailure({
          sourceId: input.account.id,
          enrollmentName: input.account.enrollmentName,
          cspName: 'DeclaredConfiguration',
          commandType: `SetValue: from ${input.command}`,
          locUri: input.locUri,
          hresult,
        }),
      });
      if (e.code === 'DC_UNKNOWN_SCENARIO') {
        const scenario = /osdefinedscenario '([^']*)'/.exec(e.message)?.[1] ?? '';
        events.push({ channel: 'Operational', level: 'Warning', message: invalidScenario(scenario, input.locUri) });
      }
    }
    return { ok: false, code: e.syncmlStatus, hresult, error: e, events };
  }
}
