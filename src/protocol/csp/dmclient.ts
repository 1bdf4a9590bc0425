/**
 * The DMClient CSP: the Provider/{ProviderID} subtree a server writes during and after enrollment. Seed 004 is
 * Microsoft's 2017 hand-written page, which states access types in prose and formats only sometimes; where it is
 * silent the definition says so in `note`. LinkedEnrollment/DiscoveryEndpoint comes from seed 000 and [MS-MDE2]
 * §2.2.9.3. UpdateManagementServiceAddress is left out: it is for provisioning packages only.
 */

import { GET, GET_REPLACE, node, oneOf, RW } from './define.ts';
import { DMCLIENT_SUBTREES } from './dmclient-subtrees.ts';

export { ENROLL_STATUS_NAMES } from './dmclient-subtrees.ts';

import type { CspDefinition } from './types.ts';

const P = 'DMClient/Provider/{ProviderID}';
const ASSUMED_RW = 'Seed 004 gives no access types; Add, Delete, Get, Replace assumed.';

export const DMCLIENT_CSP: CspDefinition = {
  name: 'DMClient',
  source: 'seed 004 (DMClient CSP, 2017), seed 000 and [MS-MDE2] §2.2.9.3 for LinkedEnrollment',
  nodes: [
    node('DMClient', 'node', GET, 'The CSP root.', { scopes: ['Device', 'User'] }),
    node('DMClient/HWDevID', 'chr', GET, 'The hardware device ID.'),
    node(
      'DMClient/Unenroll',
      'chr',
      ['Exec'],
      'Unenrolls the provider named in Data; kept for backward compatibility.',
    ),
    node('DMClient/Provider', 'node', GET, 'Settings per management server.', { scopes: ['Device', 'User'] }),
    node(P, 'node', ['Add', 'Get'], 'One management account, named by its (URI-encoded) provider ID.', {
      scopes: ['Device', 'User'],
      note: 'Seed 004 gives no naming rule; any segment is accepted.',
    }),
    node(`${P}/EntDeviceName`, 'chr', ['Add', 'Get'], 'Device name shown in the admin console.'),
    node(`${P}/ExchangeID`, 'chr', GET, "Exchange device ID of the session user's Outlook account.", {
      scopes: ['User'],
      note: "User scope only (seed 004), though seed 004's own example Gets it without a scope, that is as Device.",
    }),
    node(`${P}/EntDMID`, 'chr', ['Add', 'Get'], 'Enterprise device ID; must be set before certificate renewal.'),
    node(`${P}/SignedEntDMID`, 'chr', GET, 'EntDMID signed with the old certificate during renewal.'),
    node(`${P}/CertRenewTimeStamp`, 'chr', GET, 'When the renewed certificate was created (OMA DM time).'),
    node(`${P}/PublisherDeviceID`, 'chr', GET, 'Publisher device ID.', {
      note: 'In the seed 004 tree only; format and access assumed.',
    }),
    node(`${P}/ManagementServiceAddress`, 'chr', ['Add', 'Get', 'Replace'], 'Server address, or <URL1><URL2>…', {
      note: 'Ignored by the device while ManagementServerAddressList is set.',
    }),
    node(`${P}/UPN`, 'chr', GET_REPLACE, 'User principal name of the enrolled user.'),
    node(`${P}/HelpPhoneNumber`, 'chr', ['Delete', 'Get', 'Replace'], 'Support phone number shown to the user.'),
    node(`${P}/HelpWebsite`, 'chr', ['Delete', 'Get', 'Replace'], 'Support website shown to the user.'),
    node(`${P}/HelpEmailAddress`, 'chr', ['Delete', 'Get', 'Replace'], 'Support email address shown to the user.'),
    node(`${P}/RequireMessageSigning`, 'bool', ['Delete', 'Get', 'Replace'], 'Sign every message (MDM-Signature).', {
      defaultValue: 'false',
    }),
    node(`${P}/SyncApplicationVersion`, 'chr', ['Delete', 'Get', 'Replace'], 'DM session protocol version to use.', {
      defaultValue: '1.0',
      allowed: { kind: 'regex', pattern: '[0-9]+\\.[0-9]+' },
      note: 'Once 2.0 is set the device does not go back to 1.0.',
    }),
    node(`${P}/MaxSyncApplicationVersion`, 'chr', GET, 'Newest DM session version the client supports.', {
      defaultValue: '2.0',
    }),
    node(`${P}/Unenroll`, 'chr', ['Exec', 'Get'], 'Unenrolls the device from this server (Data is ignored).'),
    node(`${P}/AADResourceID`, 'chr', RW, 'Audience of the Entra user token requested for the session.', {
      note: ASSUMED_RW,
    }),
    node(`${P}/AADDeviceID`, 'chr', GET, 'Entra device ID.'),
    node(`${P}/AADSendDeviceToken`, 'bool', RW, 'Send a device token when no user token can be had.'),
    node(`${P}/ForceAadToken`, 'int', RW, 'Always send the Entra device token.', {
      allowed: oneOf({ 1: 'Always send the Entra device token during check-in.' }),
      note: `Seed 004 documents only the value 1. ${ASSUMED_RW}`,
    }),
    node(`${P}/EnrollmentType`, 'chr', GET, 'Enrollment type.', {
      allowed: oneOf({ Device: 'Device enrollment.', Full: 'Full enrollment.' }),
    }),
    node(`${P}/EnableOmaDmKeepAliveMessage`, 'bool', RW, 'Send 1224 requestpending alerts while a reply is slow.', {
      defaultValue: 'false',
      note: ASSUMED_RW,
    }),
    node(`${P}/HWDevID`, 'chr', GET, 'The hardware device ID.'),
    node(`${P}/CommercialID`, 'chr', RW, 'Organisation identifier for diagnostic data.'),
    node(`${P}/ManagementServerAddressList`, 'chr', GET_REPLACE, 'Server URLs as <URL1><URL2>…, tried in order.'),
    node(`${P}/ManagementServerToUpgradeTo`, 'chr', RW, 'Discovery URL of the MDM to upgrade a MAM enrollment to.'),
    node(`${P}/NumberOfDaysAfterLostContactToUnenroll`, 'int', RW, 'Days without a sync before unenrolling.'),
    ...DMCLIENT_SUBTREES,
  ],
};
