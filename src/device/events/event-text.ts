/**
 * The event texts. Where seed 001 (WinDC troubleshooting) shows Windows' own line, it is reproduced character for
 * character, inconsistencies included: the DeclaredConfiguration failure says "Enrollment Name"/"Provider Name" and
 * ends with the parenthesis, the other CSPs' failure says "Configuraton" (sic), "Enrollment Type"/"CSP Name" and
 * ends with a period. Casing is the caller's: a URI applied from a document is logged with its CSP root in lower
 * case (`./user/vendor/msft/vpnv2/Test_SonicWall/…`), a direct command as the server wrote it (`ActiveSync`). Administrators and scripts match these strings, so the
 * emulator must not tidy them. Lines the seeds do not show are marked as windc's own wording below.
 */
import { describeHResult, hex } from '../hresult.ts';

/** Event-log spelling of a number: upper-case hex without padding (`0x1A`, `0xDE2`). */
function h(n: number): string {
  return `0x${(n >>> 0).toString(16).toUpperCase()}`;
}

export interface CommandFailureFields {
  /** The enrollment id ("Configuration Source ID"). */
  sourceId: string;
  enrollmentName: string;
  cspName: string;
  /** e.g. `SetValue: from Replace`, `Add: from Replace or Add`. */
  commandType: string;
  locUri: string;
  hresult: number;
}

/** The DeclaredConfiguration CSP's own command failure (seed 001, scope/context mismatch). */
export function declaredCommandFailure(f: CommandFailureFields): string {
  return (
    `MDM ConfigurationManager: Command failure status. Configuration Source ID: (${f.sourceId}), ` +
    `Enrollment Name: (${f.enrollmentName}), Provider Name: (${f.cspName}), Command Type: (${f.commandType}), ` +
    `CSP URI: (${f.locUri}), Result: (${describeHResult(f.hresult)})`
  );
}

/** Any other CSP's command failure (seed 001, the VPNv2 typo; the resource-access page's 0x86000031). */
export function cspCommandFailure(f: CommandFailureFields): string {
  return (
    `MDM ConfigurationManager: Command failure status. Configuraton Source ID: (${f.sourceId}), ` +
    `Enrollment Type: (${f.enrollmentName}), CSP Name: (${f.cspName}), ` +
    `Command Type: (${f.commandType}), CSP URI: (${f.locUri}), Result: (${describeHResult(f.hresult)}).`
  );
}

export interface DocumentParsingFields {
  docId: string;
  scenario: string;
  /** The document's checksum, which Windows calls its version. */
  version: string;
  enrollmentId: string;
  currentUser: string;
  schema: string;
  /** 0x1 Device, 0x2 User: windc's reading; seed 001 shows only 0x1. */
  scope: number;
  enrollType: number;
  fileSize: number;
  cspCount: number;
  uriCount: number;
  /** 0x0 configure (the only value seed 001 shows), 0x1 delete, 0x2 get: windc's reading. */
  actionRequested: number;
  hresult: number;
}

/** Seed 001's "End document parsing from CSP" line; Windows writes it for every document, failed or not. */
export function endDocumentParsing(f: DocumentParsingFields): string {
  const result = f.hresult >>> 0 === 0 ? '0x0' : h(f.hresult);
  // Seed 001 ends the line "Catastrophic failure."; messages that carry their own period keep one.
  const text = describeHResult(f.hresult);
  return (
    `MDM Declared Configuration: End document parsing from CSP: Document Id: (${f.docId}), ` +
    `Scenario: (${f.scenario}), Version: (${f.version}), Enrollment Id: (${f.enrollmentId}), ` +
    `Current User: (${f.currentUser}), Schema: (${f.schema}), Download URL: (), Scope: (${h(f.scope)}), ` +
    `Enroll Type: (${h(f.enrollType)}), File size: (${h(f.fileSize)}), CSP Count: (${h(f.cspCount)}), ` +
    `URI Count: (${h(f.uriCount)}), Action Requested: (${h(f.actionRequested)}), Model: (0x1), ` +
    `Result:(${result}) ${text.endsWith('.') ? text : `${text}.`}`
  );
}

/** Seed 001's operational warning after one or more URIs of a resource-access document failed. */
export function errorAtDocLevel(hresult: number): string {
  return (
    'MDM Declared Configuration: Function (DeclaredConfigurationExtension_PolicyCSPConfigureGivenCurrentDoc) ' +
    `operation (ErrorAtDocLevel: one or more CSPs failed) failed with (${describeHResult(hresult)})`
  );
}

/** windc's wording: the resource-access page says only that Windows rejects the name. */
export function invalidScenario(scenario: string, docLocUri: string): string {
  return `MDM Declared Configuration: Invalid scenario name (${scenario}) in document ${docLocUri}.`;
}

/** windc's wording: Microsoft publishes no MI provider failure line. */
export function providerFailure(className: string, operation: string, hresult: number, detail: string): string {
  return (
    `MDM Declared Configuration: MI provider (${className}) operation (${operation}) failed with ` +
    `(${describeHResult(hresult)}): ${detail}`
  );
}

/** windc's wording for the refresh task's outcome per document. */
export function refreshOutcome(docId: string, outcome: string): string {
  return `MDM Declared Configuration: Refresh of document (${docId}): ${outcome}.`;
}

/** windc's wording for the linked enrollment steps LinkedEnrollment/EnrollStatus reports. */
export function linkedEnrollment(step: string, hresult: number): string {
  return `MDM Linked Enrollment: ${step}. Result: (${hex(hresult)}) ${describeHResult(hresult)}`;
}
