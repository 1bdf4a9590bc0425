/**
 * The DMClient Provider/{ProviderID} interior subtrees (seed 004 unless noted). Poll's defaults are the prose's
 * ("The default value is 15", "… is 10", the others 0); the rules on combining them are in poll.ts.
 */
import { GET, GET_REPLACE, node, oneOf, RW, range, UINT32 } from './define.ts';
import type { AccessType, NodeDefinition } from './types.ts';

const P = 'DMClient/Provider/{ProviderID}';
const ADD_DELETE_GET: readonly AccessType[] = ['Add', 'Delete', 'Get'];
const NO_ACCESS_GIVEN = 'Seed 004 gives no access types for this interior node; Get assumed.';

const poll: NodeDefinition[] = [
  node(`${P}/Poll`, 'node', ['Add', 'Get'], 'Polling schedules; Add it before Replacing its leaves.'),
  node(`${P}/Poll/IntervalForFirstSetOfRetries`, 'int', GET_REPLACE, 'Minutes between first-set polls; 0 disables.', {
    defaultValue: '15',
    allowed: UINT32,
  }),
  node(`${P}/Poll/NumberOfFirstRetries`, 'int', GET_REPLACE, 'First-set polls; 0 repeats forever.', {
    defaultValue: '10',
    allowed: UINT32,
  }),
  node(`${P}/Poll/IntervalForSecondSetOfRetries`, 'int', GET_REPLACE, 'Minutes between second-set polls; 0 disables.', {
    defaultValue: '0',
    allowed: UINT32,
  }),
  node(`${P}/Poll/NumberOfSecondRetries`, 'int', GET_REPLACE, 'Second-set polls; 0 repeats forever.', {
    defaultValue: '0',
    allowed: UINT32,
  }),
  node(`${P}/Poll/IntervalForRemainingScheduledRetries`, 'int', GET_REPLACE, 'Minutes between long-run polls.', {
    defaultValue: '0',
    allowed: UINT32,
  }),
  node(`${P}/Poll/NumberOfRemainingScheduledRetries`, 'int', GET_REPLACE, 'Long-run polls; 0 repeats forever.', {
    defaultValue: '0',
    allowed: UINT32,
  }),
  node(`${P}/Poll/PollOnLogin`, 'bool', ['Add', 'Get', 'Replace'], 'Start a session on every user login.', {
    defaultValue: 'false',
  }),
  node(
    `${P}/Poll/AllUsersPollOnFirstLogin`,
    'bool',
    ['Add', 'Get', 'Replace'],
    "Start a session on each user's first login.",
    {
      defaultValue: 'false',
    },
  ),
];

/** LinkedEnrollment/EnrollStatus values by name: [MS-MDE2] / seed 004, plus the unenroll progress (research §3). */
export const ENROLL_STATUS_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'Undefined',
  1: 'EnrollmentNotStarted',
  2: 'InProgress',
  3: 'Failed',
  4: 'Succeeded',
  5: 'UnEnrollmentQueued',
  6: 'UnEnrollmentInProgress',
  7: 'UnEnrollmentFailed',
  8: 'UnEnrollmentSucceeded',
});

const ENROLL_STATUS = oneOf(ENROLL_STATUS_NAMES);

const linkedEnrollment: NodeDefinition[] = [
  node(`${P}/LinkedEnrollment`, 'node', GET, 'The linked WinDC (MMP-C) enrollment.', { note: NO_ACCESS_GIVEN }),
  node(`${P}/LinkedEnrollment/Priority`, 'int', GET_REPLACE, 'Which enrollment wins conflicting policies.', {
    defaultValue: '1',
    allowed: oneOf({ 0: 'See note: seed 004 contradicts itself.', 1: 'See note: seed 004 contradicts itself.' }),
    note:
      'Seed 004: "Default is 1, meaning the MDM enrollment is the winning authority" and "Value 1 means MMP-C ' +
      'enrollment is the winning one"; its "Get and Set" is read as Get and Replace. Not in [MS-MDE2].',
  }),
  node(`${P}/LinkedEnrollment/Enroll`, 'null', ['Exec'], 'Starts the silent linked enrollment (Entra device token).'),
  node(`${P}/LinkedEnrollment/Unenroll`, 'null', ['Exec'], 'Starts the silent linked unenrollment and rollback.', {
    note: '[MS-MDE2] spells it UnEnroll, Learn Unenroll; both resolve here because names compare case-insensitively.',
  }),
  node(`${P}/LinkedEnrollment/EnrollStatus`, 'int', GET, 'Progress of the last enroll or unenroll.', {
    allowed: ENROLL_STATUS,
    note: 'Seed 004 lists 0-5 and 8; 6 and 7 come from a third-party summary of the current page, unverified.',
  }),
  node(`${P}/LinkedEnrollment/LastError`, 'int', GET, 'HRESULT of the last enroll or unenroll.'),
  node(`${P}/LinkedEnrollment/DiscoveryEndpoint`, 'chr', RW, 'WinDC discovery URL used by Enroll.', {
    note: 'Not in seed 004: seed 000 Replaces it, [MS-MDE2] says Set/Get/Delete and that an unset value reads as "".',
  }),
];

const push: NodeDefinition[] = [
  node(`${P}/Push`, 'node', ['Add', 'Delete'], 'WNS push for session triggers.'),
  node(`${P}/Push/PFN`, 'chr', ['Add', 'Get', 'Replace'], 'Package family name used to register for push.'),
  node(`${P}/Push/ChannelURI`, 'chr', GET, 'The WNS channel negotiated for the PFN.'),
  node(`${P}/Push/Status`, 'int', GET, 'Push registration state.', {
    allowed: oneOf({
      0: 'Success',
      1: 'Invalid PFN',
      2: 'Invalid or expired Microsoft account device authentication',
      3: 'WNS registration failed: invalid or revoked PFN',
      4: 'No channel URI assigned',
      5: 'Channel URI expired',
      6: 'Channel URI failed to be revoked',
      7: 'Push received but no session possible (power or connectivity)',
      8: 'Unknown error',
    }),
  }),
];

const configLock: NodeDefinition[] = [
  node(`${P}/ConfigLock`, 'node', ADD_DELETE_GET, 'Config Lock: fast remediation of drift (Secured-core PCs).', {
    note: 'Seed 004 gives no access types; those of its leaves assumed.',
  }),
  node(`${P}/ConfigLock/Lock`, 'int', ADD_DELETE_GET, 'Whether Config Lock is on.', {
    allowed: oneOf({ 0: 'Unlocked', 1: 'Locked' }),
  }),
  node(`${P}/ConfigLock/UnlockDuration`, 'int', ADD_DELETE_GET, 'Minutes the lock stays off.', {
    allowed: range(1, 480),
  }),
  node(`${P}/ConfigLock/SecureCore`, 'bool', GET, 'Whether the device is a Secured-core PC.'),
];

const firstSyncStatus: NodeDefinition[] = [
  node(`${P}/FirstSyncStatus`, 'node', GET, 'Enrollment status page settings.', { note: NO_ACCESS_GIVEN }),
  ...['Policies', 'NetworkProfiles', 'MSIAppPackages', 'ModernAppPackages', 'PFXCerts', 'SCEPCerts'].map((what) =>
    node(`${P}/FirstSyncStatus/Expected${what}`, 'chr', RW, `LocURIs the server will configure, U+F000-separated.`),
  ),
  node(`${P}/FirstSyncStatus/TimeOutUntilSyncFailure`, 'int', GET_REPLACE, 'Minutes before the page shows a failure.', {
    defaultValue: '60',
    allowed: range(0, 1440),
  }),
  node(`${P}/FirstSyncStatus/ServerHasFinishedProvisioning`, 'bool', GET_REPLACE, 'The server is done; true is final.'),
  node(`${P}/FirstSyncStatus/IsSyncDone`, 'bool', GET_REPLACE, 'First syncs done; cannot go from true to anything.'),
  node(`${P}/FirstSyncStatus/WasDeviceSuccessfullyProvisioned`, 'int', GET_REPLACE, 'Outcome shown on the page.', {
    allowed: oneOf({ 0: 'Failure', 1: 'Success', 2: 'In progress' }),
  }),
  node(`${P}/FirstSyncStatus/BlockInStatusPage`, 'int', GET_REPLACE, 'Whether the page blocks and how to remediate.'),
  node(`${P}/FirstSyncStatus/AllowCollectLogsButton`, 'bool', GET_REPLACE, 'Show the Collect Logs button.'),
  node(`${P}/FirstSyncStatus/CustomErrorText`, 'chr', RW, 'Text shown when provisioning fails.'),
  node(`${P}/FirstSyncStatus/SkipDeviceStatusPage`, 'bool', GET_REPLACE, 'Skip the device page after Entra join.'),
  node(`${P}/FirstSyncStatus/SkipUserStatusPage`, 'bool', GET_REPLACE, 'Skip the user page after login.'),
];

const appLayerSecurity: NodeDefinition[] = [
  node(`${P}/EnhancedAppLayerSecurity`, 'node', GET, 'Application-layer signing and encryption.'),
  node(`${P}/EnhancedAppLayerSecurity/SecurityMode`, 'int', RW, 'How messages are protected.', {
    defaultValue: '0',
    allowed: oneOf({ 0: 'None', 1: 'Sign', 2: 'Encrypt', 3: 'Sign and encrypt' }),
  }),
  node(`${P}/EnhancedAppLayerSecurity/UseCertIfRevocationCheckOffline`, 'bool', RW, 'Trust a cert when offline.', {
    defaultValue: 'true',
  }),
  node(`${P}/EnhancedAppLayerSecurity/Cert0`, 'chr', RW, 'Primary certificate (public key).'),
  node(`${P}/EnhancedAppLayerSecurity/Cert1`, 'chr', RW, 'Secondary certificate (public key).'),
];

const recovery: NodeDefinition[] = [
  node(`${P}/Recovery`, 'node', GET, 'MDM certificate recovery.', { note: NO_ACCESS_GIVEN }),
  node(`${P}/Recovery/AllowRecovery`, 'int', RW, 'Recover automatically when the MDM certificate has issues.', {
    defaultValue: '0',
    allowed: oneOf({ 0: 'Not allowed', 1: 'Allowed' }),
    note: 'Seed 004 writes the values as "1-true" and "0-false" without a format; int assumed.',
  }),
  node(`${P}/Recovery/RecoveryStatus`, 'int', GET, 'State of the last recovery request.', { allowed: range(0, 8) }),
  node(`${P}/Recovery/InitiateRecovery`, 'int', ['Exec'], 'Starts recovery: 0 always, 1 only if the TPM can help.', {
    allowed: oneOf({ 0: 'Recover regardless of state', 1: 'Recover only to move the key into a ready TPM' }),
  }),
];

const multipleSession: NodeDefinition[] = [
  node(`${P}/MultipleSession`, 'node', GET, 'Per-user sessions on multi-session Windows.', { note: NO_ACCESS_GIVEN }),
  node(
    `${P}/MultipleSession/NumAllowedConcurrentUserSessionForBackgroundSync`,
    'int',
    RW,
    '0 none, 1 serial, n parallel.',
  ),
  node(
    `${P}/MultipleSession/NumAllowedConcurrentUserSessionAtUserLogonSync`,
    'int',
    RW,
    '0 none, 1 serial, n parallel.',
  ),
  node(`${P}/MultipleSession/IntervalForScheduledRetriesForUserSession`, 'int', GET_REPLACE, 'Minutes; 0 disables.', {
    defaultValue: '0',
    allowed: UINT32,
  }),
  node(`${P}/MultipleSession/NumberOfScheduledRetriesForUserSession`, 'int', GET_REPLACE, '0 repeats forever.', {
    defaultValue: '0',
    allowed: UINT32,
  }),
];

const completePage: NodeDefinition[] = [
  node(`${P}/CustomEnrollmentCompletePage`, 'node', ADD_DELETE_GET, 'The page shown when enrollment is done.'),
  ...['Title', 'BodyText', 'HyperlinkHref', 'HyperlinkText'].map((leaf) =>
    node(`${P}/CustomEnrollmentCompletePage/${leaf}`, 'chr', RW, `${leaf} of the enrollment-complete page.`),
  ),
];

export const DMCLIENT_SUBTREES: readonly NodeDefinition[] = [
  ...poll,
  ...linkedEnrollment,
  ...push,
  ...configLock,
  ...firstSyncStatus,
  ...appLayerSecurity,
  ...recovery,
  ...multipleSession,
  ...completePage,
];
