/**
 * For a device whose primary MDM is another product: the commands that MDM must send to link the device to
 * windc. Two forms: the SyncML body Learn shows (seed 000, in SyncML 1.2 as MS-MDM requires; research §5.2), and a
 * Fleet Windows configuration profile (top-level Replace and Exec without CmdIDs, which Fleet assigns; research
 * fleet.md §4). Pure.
 */
import { buildCommand, type ContainedCommand } from '../../protocol/syncml/index.ts';
import { linkedEnrollmentBase } from './linking.ts';

export interface LinkSyncMLInput {
  /** The primary MDM's DMClient ProviderID as it names its own account: `MS DM Server` for Intune, `Fleet`… */
  providerId: string;
  /** windc's WinDC discovery URL. */
  discoveryUrl: string;
}

function commands(input: LinkSyncMLInput): ContainedCommand[] {
  const base = linkedEnrollmentBase(input.providerId);
  return [
    {
      kind: 'Replace',
      cmdId: '2',
      items: [
        {
          target: { locUri: `${base}/DiscoveryEndpoint` },
          meta: { format: 'chr', type: 'text/plain' },
          data: input.discoveryUrl,
        },
      ],
    },
    { kind: 'Exec', cmdId: '3', items: [{ target: { locUri: `${base}/Enroll` } }] },
  ];
}

/** A SyncBody to paste into the primary MDM's session, as Learn's examples are written. */
export function linkSyncML(input: LinkSyncMLInput): string {
  const body = commands(input)
    .map((c) => `    ${buildCommand(c)}`)
    .join('\n');
  return `<SyncML xmlns="SYNCML:SYNCML1.2">\n  <SyncBody>\n${body}\n    <Final/>\n  </SyncBody>\n</SyncML>\n`;
}

/** Fleet assigns CmdIDs when it delivers a profile, so the profile itself carries none. */
export function fleetProfile(input: LinkSyncMLInput): string {
  return `${commands(input)
    .map((c) => buildCommand(c).replace(/<CmdID>[^<]*<\/CmdID>/, ''))
    .join('\n')}\n`;
}
