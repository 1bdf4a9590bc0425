import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Device, ManualClock } from '../../src/device/index.ts';
import { cmd, docUri, fixture, type Harness, harness, result, send, settle, stateOf, summary } from './support.ts';

const FILE_ID = '5D1E0C5A-8E0B-4F0B-9C55-1A2B3C4D5E6F';
const VPN_ID = '0B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E';

describe('device directory: persistence', () => {
  let h: Harness;
  let reloaded: Device | undefined;
  beforeEach(async () => {
    h = await harness();
    reloaded = undefined;
  });
  afterEach(async () => {
    await reloaded?.close();
    await h.cleanup();
  });

  async function reload(): Promise<Device> {
    await h.device.close();
    reloaded = await Device.load(h.dir, { clock: h.clock });
    return reloaded;
  }

  it('writes the documented layout', async () => {
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), await fixture('file-config.xml')));
    await settle(h);
    await h.device.flush();
    const names = (await readdir(h.dir)).sort();
    assert.deepEqual(names, ['csp.json', 'declared', 'device.json', 'events.log', 'sandbox']);
    const docFile = path.join(h.dir, 'declared', h.windc.id, `Device-${FILE_ID.toLowerCase()}.json`);
    assert.equal(existsSync(docFile), true);
    const device = JSON.parse(await readFile(path.join(h.dir, 'device.json'), 'utf8'));
    assert.equal(device.format, 1);
    assert.deepEqual(
      device.accounts.map((a: { kind: string }) => a.kind),
      ['primary', 'windc'],
    );
    const events = (await readFile(path.join(h.dir, 'events.log'), 'utf8')).trim().split('\n');
    assert.match(
      events[0] ?? '',
      /^2025-01-06T09:00:00\.000Z\tOperational\tInformation\tMDM Declared Configuration: End/,
    );
    assert.deepEqual(h.device.paths.key, path.join(h.dir, 'key.pem'));
  });

  it('round trip: identity, accounts, tree, documents, results, ownership and events survive a restart', async () => {
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), await fixture('file-config.xml')));
    send(h.ep, cmd.replace(docUri('User', 'Complete', VPN_ID), await fixture('vpn-user.xml')));
    send(
      h.ep,
      cmd.replace(
        './Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval',
        '60',
        'int',
      ),
    );
    await settle(h);
    const before = {
      summary: summary(h.ep),
      result: result(h.ep, 'Device', 'Complete', FILE_ID),
      events: h.device.events.entries().length,
      identity: h.device.identity,
    };
    const d = await reload();
    const ep = d.endpoint(h.windc.id);
    const primaryEp = d.endpoint(h.primary.id);
    assert.deepEqual(d.identity, before.identity);
    assert.deepEqual(summary(ep), before.summary);
    assert.deepEqual(result(ep, 'Device', 'Complete', FILE_ID), before.result);
    assert.equal(d.events.entries().length, before.events);
    assert.equal(
      d.getNode('./Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval'),
      '60',
    );
    assert.equal(d.getNode('./User/Vendor/MSFT/VPNv2/ContosoVPN/AlwaysOn'), 'true');
    const owned = send(primaryEp, cmd.replace('./User/Vendor/MSFT/VPNv2/ContosoVPN/AlwaysOn', 'false', 'bool'));
    assert.equal(owned.statuses[0]?.code, 500, 'ownership is rebuilt from what the documents wrote');
    assert.equal(d.declared.refresh.scheduled, true);
  });

  it('a document in progress when the device stopped starts over from its request state', async () => {
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), await fixture('file-config.xml')));
    await h.clock.advance(100);
    assert.equal(stateOf(h.ep, FILE_ID), 2);
    const d = await reload();
    const ep = d.endpoint(h.windc.id);
    assert.equal(stateOf(ep, FILE_ID), 2);
    await h.clock.advance(1000);
    await d.idle();
    assert.equal(stateOf(ep, FILE_ID), 60);
  });

  it('a deleted document file disappears once the tombstone is dropped', async () => {
    send(h.ep, cmd.replace(docUri('Device', 'Complete', FILE_ID), await fixture('file-config.xml')));
    await settle(h);
    await h.device.flush();
    assert.equal((await readdir(path.join(h.dir, 'declared', h.windc.id))).length, 1);
    send(h.ep, cmd.delete(docUri('Device', 'Complete', FILE_ID)));
    await settle(h);
    h.ep.clientAlerts(() => '1');
    h.ep.sessionCompleted();
    await h.device.flush();
    assert.deepEqual(await readdir(path.join(h.dir, 'declared', h.windc.id)), []);
  });

  it('create refuses a directory that holds a device; load refuses one that does not', async () => {
    await assert.rejects(Device.create(h.dir), /already holds a device/);
    await assert.rejects(Device.load(path.join(h.dir, 'sandbox')), /holds no device/);
  });

  it('persist: false keeps state in memory only', async () => {
    const d = await Device.create(path.join(h.dir, 'memory'), { clock: new ManualClock(), persist: false });
    d.addAccount({ kind: 'windc', providerId: 'X' });
    await d.close();
    assert.equal(existsSync(path.join(h.dir, 'memory', 'device.json')), false);
  });
});
