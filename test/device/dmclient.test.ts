import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EnrollStatus, HResult, HResultError } from '../../src/device/index.ts';
import { cmd, codes, docUri, fileDoc, type Harness, harness, send, settle, summary } from './support.ts';

const LE = './Device/Vendor/MSFT/DMClient/Provider/MS%20DM%20SERVER/LinkedEnrollment';

describe('DMClient LinkedEnrollment (seed 000, [MS-MDE2] §2.2.9.3)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  const status = () => {
    const r = send(h.primaryEp, cmd.get(`${LE}/EnrollStatus`, `${LE}/LastError`));
    return r.results[0]?.items.map((i) => Number(i.data));
  };

  it('an unset DiscoveryEndpoint reads as an empty string; EnrollStatus and LastError start at 0', () => {
    const r = send(h.primaryEp, cmd.get(`${LE}/DiscoveryEndpoint`, `${LE}/Priority`));
    assert.deepEqual(
      r.results[0]?.items.map((i) => [i.data, i.meta?.format]),
      [
        ['', undefined],
        ['1', 'int'],
      ],
    );
    assert.deepEqual(status(), [0, 0]);
  });

  it('Enroll without a DiscoveryEndpoint fails with LastError 0x80070002', async () => {
    assert.deepEqual(codes(send(h.primaryEp, cmd.exec(`${LE}/Enroll`))), [200]);
    await h.device.idle();
    assert.deepEqual(status(), [EnrollStatus.Failed, 0x80070002]);
  });

  it('Enroll with no enrollment client registered fails with E_NOTIMPL', async () => {
    send(
      h.primaryEp,
      cmd.replace(`${LE}/DiscoveryEndpoint`, 'https://windc.test/EnrollmentConfiguration?api-version=1.0'),
    );
    send(h.primaryEp, cmd.exec(`${LE}/Enroll`));
    await h.device.idle();
    assert.deepEqual(status(), [EnrollStatus.Failed, HResult.NOT_IMPLEMENTED]);
  });

  it('Enroll hands the endpoint to the networking half: 2 while it runs, 4 when it resolves', async () => {
    let release: () => void = () => {};
    const seen: string[] = [];
    h.device.setLinkedEnrollmentHooks({
      enroll: (req) => {
        seen.push(`${req.primary.id} ${req.discoveryEndpoint}`);
        return new Promise((r) => {
          release = r;
        });
      },
    });
    send(h.primaryEp, cmd.replace(`${LE}/DiscoveryEndpoint`, 'https://windc.test/d'));
    send(h.primaryEp, cmd.exec(`${LE}/Enroll`));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(status(), [EnrollStatus.InProgress, 0]);
    send(h.primaryEp, cmd.exec(`${LE}/Enroll`));
    release();
    await h.device.idle();
    assert.deepEqual(status(), [EnrollStatus.Succeeded, 0]);
    assert.deepEqual(seen, [`${h.primary.id} https://windc.test/d`]);
  });

  it('a failing enrollment reports the HRESULT it failed with', async () => {
    h.device.setLinkedEnrollmentHooks({
      enroll: async () => {
        throw new HResultError(0x80180023, 'server refused');
      },
    });
    send(h.primaryEp, cmd.replace(`${LE}/DiscoveryEndpoint`, 'https://windc.test/d'));
    send(h.primaryEp, cmd.exec(`${LE}/Enroll`));
    await h.device.idle();
    assert.deepEqual(status(), [EnrollStatus.Failed, 0x80180023]);
  });

  it('Unenroll removes the linked WinDC account, its documents and the resources they created', async () => {
    const id = '0B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E';
    const vpn =
      `<DeclaredConfiguration schema="1.0" context="Device" id="${id}" checksum="1" osdefinedscenario="MSFTVPN">` +
      '<CSP name="./Vendor/MSFT/VPNv2"><URI path="Gone/DnsSuffix" type="chr">a.test</URI></CSP></DeclaredConfiguration>';
    send(h.ep, cmd.replace(docUri('Device', 'Complete', id), vpn));
    await settle(h);
    assert.equal(h.device.getNode('./Device/Vendor/MSFT/VPNv2/Gone/DnsSuffix'), 'a.test');
    const steps: number[] = [];
    h.device.setLinkedEnrollmentHooks({
      enroll: async () => {},
      unenroll: async (req) => {
        steps.push(...(status() ?? []));
        assert.deepEqual(
          req.linked.map((a) => a.id),
          [h.windc.id],
        );
      },
    });
    assert.deepEqual(codes(send(h.primaryEp, cmd.exec(`${LE}/Unenroll`))), [200]);
    await h.device.idle();
    assert.deepEqual(steps, [EnrollStatus.UnenrollInProgress, 0]);
    assert.deepEqual(status(), [EnrollStatus.UnenrollSucceeded, 0]);
    assert.equal(h.device.account(h.windc.id), undefined);
    assert.equal(h.device.getNode('./Device/Vendor/MSFT/VPNv2/Gone'), undefined);
    assert.equal(h.device.declared.docs.list().length, 0);
  });

  it('Exec on a missing provider is 404; Exec on nodes without Exec is 405', () => {
    const other = './Device/Vendor/MSFT/DMClient/Provider/Nobody/LinkedEnrollment/Enroll';
    assert.deepEqual(codes(send(h.primaryEp, cmd.exec(other))), [404]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.exec(`${LE}/EnrollStatus`))), [405]);
    assert.deepEqual(codes(send(h.primaryEp, cmd.replace(`${LE}/EnrollStatus`, '4'))), [405]);
  });

  it('provider Unenroll asks the networking half to end that account', () => {
    const asked: string[] = [];
    h.device.onUnenrollRequested((a) => asked.push(a.id));
    send(h.primaryEp, cmd.exec('./Device/Vendor/MSFT/DMClient/Provider/MS%20DM%20SERVER/Unenroll'));
    assert.deepEqual(asked, [h.primary.id]);
  });

  it('package 1 DevInfo in the 26200 capture order', () => {
    assert.deepEqual(
      h.ep.devInfo().map((i) => i.source?.locUri),
      ['./DevInfo/DevId', './DevInfo/Man', './DevInfo/Mod', './DevInfo/DmV', './DevInfo/Lang'],
    );
    assert.equal(h.ep.devInfo()[3]?.data, '1.3');
  });

  it('documents belong to the account that wrote them', async () => {
    const id = 'E1E2E3E4-F5F6-4A7B-8C9D-0E1F2A3B4C5D';
    send(h.ep, cmd.replace(docUri('Device', 'Complete', id), fileDoc(id, { DestinationPath: 'C:\\acct.txt' })));
    assert.equal(summary(h.primaryEp), undefined);
    assert.equal(summary(h.ep)?.documents.length, 1);
  });
});
