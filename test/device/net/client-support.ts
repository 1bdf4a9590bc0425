import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountInfo } from '../../../src/device/account.ts';
import { DeviceClient, type DeviceClientOptions } from '../../../src/device/client.ts';
import { EnrollmentStore } from '../../../src/device/enroll/record.ts';
import { HttpTransport } from '../../../src/device/net/transport.ts';
import type { Peer } from './peer.ts';
import { FAST_RETRY, NONCE0 } from './session-support.ts';

/**
 * A device already enrolled with `peer`: the account, DMClient nodes and TLS files an enrollment would have
 * left, without running one (the peer is not an enrollment server).
 */
export async function enrolledClient(
  peer: Peer,
  extra: Partial<DeviceClientOptions> = {},
): Promise<{ client: DeviceClient; account: AccountInfo; dir: string; transport: HttpTransport }> {
  const dir = mkdtempSync(join(tmpdir(), 'windc-client-'));
  const transport = new HttpTransport();
  const client = await DeviceClient.open(dir, {
    transport,
    trustedCaPems: [peer.caPem],
    systemRoots: false,
    retry: FAST_RETRY,
    ...extra,
  });
  const account = client.device.addAccount({ kind: 'windc', providerId: 'windc-declared', serverUrl: peer.url });
  const id = await peer.identity(client.device.identity.devId);
  const pems = id.pems;
  const tlsDir = EnrollmentStore.tlsDirFor(account.id, false);
  await client.store.writeTls(tlsDir, pems);
  await client.store.put({
    accountId: account.id,
    serverUrl: peer.url,
    authPolicy: 'Federated',
    tlsDir,
    appsrv: { type: 'DIGEST', name: 'dev', secret: 'secret', nonce: NONCE0 },
    sessionCount: 0,
    enrolledAt: client.device.clock.now(),
  });
  return { client, account, dir, transport };
}
