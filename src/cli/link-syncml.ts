import { parseArgs } from 'node:util';
import { discoveryUrlFor } from '../server/declared/context.ts';
import { fleetProfile, linkSyncML } from '../server/declared/link-syncml.ts';
import { ApiClient, CLIENT_OPTIONS, CLIENT_USAGE, runCommand, UsageError } from './api-client.ts';

const USAGE = `usage: windc link-syncml --provider-id ID [--public-url URL | connection options] [--fleet | --syncml]

For devices whose primary MDM is another product: prints what that MDM must send to link a device to this
server's WinDC service (Replace LinkedEnrollment/DiscoveryEndpoint, then Exec LinkedEnrollment/Enroll), as a
SyncML body and as a Fleet Windows configuration profile. Linking needs nothing from windc's side.

  --provider-id ID   the other MDM's DMClient ProviderID as it names its own account
                     (Intune: "MS DM Server"; Fleet: "Fleet")
  --public-url URL   windc's public URL; without it, the running server is asked (see connection options)
  --fleet            print only the Fleet profile;  --syncml  print only the SyncML

${CLIENT_USAGE}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  'provider-id': { type: 'string' },
  'public-url': { type: 'string' },
  fleet: { type: 'boolean' },
  syncml: { type: 'boolean' },
} as const;

export function run(argv: string[]): Promise<number> {
  return runCommand('link-syncml', USAGE, async () => {
    const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const providerId = values['provider-id'];
    if (!providerId) throw new UsageError('--provider-id is required');
    let out: { discoveryUrl: string; syncml: string; fleetProfile: string };
    if (values['public-url']) {
      const url = values['public-url'].replace(/\/+$/, '');
      if (!/^https:\/\//.test(url)) throw new UsageError('--public-url must be https');
      const input = { providerId, discoveryUrl: discoveryUrlFor(url) };
      out = { discoveryUrl: input.discoveryUrl, syncml: linkSyncML(input), fleetProfile: fleetProfile(input) };
    } else {
      out = await ApiClient.from(values).call('GET', `/link-syncml?providerId=${encodeURIComponent(providerId)}`);
    }
    if (values.json) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    if (!values.fleet) {
      if (!values.syncml) console.log(`<!-- SyncML: send in a session of ${providerId}'s account -->`);
      console.log(out.syncml.trimEnd());
    }
    if (!values.syncml) {
      if (!values.fleet) console.log(`\n<!-- Fleet Windows configuration profile (.xml) -->`);
      console.log(out.fleetProfile.trimEnd());
    }
    return 0;
  });
}
