// The emulator's enrollment requests, element by element against real Windows: Fleet's Windows 10 captures of
// Discover, GetPolicies and RequestSecurityToken, and the AdditionalContext order of the 26200 enrollments.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SHARED, SHARED_MISSING } from '../../support/protocol.ts';
import { repoRoot } from '../support.ts';
import { contextNames, soapShape } from './soap-shape.ts';
import { newTransport, openDevice, startWindc } from './support.ts';

const skip = SHARED_MISSING;
const fleet = (f: string) => readFileSync(path.join(SHARED, 'research/samples/fleet', f), 'utf8');
const own = (f: string) => readFileSync(path.join(repoRoot, 'test/fixtures/device-net', f), 'utf8').trimEnd();

/** Consecutive MAC items collapse to one: a device has as many as it has adapters. */
const collapseMacs = (names: string[]) => names.filter((n, i) => !(n === 'MAC' && names[i - 1] === 'MAC'));
const withoutContext = (shape: string) =>
  shape
    .split('\n')
    .filter((l) => !/ac:ContextItem|ac:Value/.test(l))
    .join('\n');

describe('emulator enrollment requests have the structure of real Windows requests', () => {
  const sent: string[] = [];
  let cleanup: () => Promise<void>;
  before(async () => {
    const windc = await startWindc();
    const transport = newTransport();
    const { dir, client } = await openDevice(windc, transport, {
      trace: (direction, _url, body) => {
        if (direction === 'out') sent.push(body);
      },
    });
    await client.enroll({ server: windc.url, email: 'ada@windc.test', secret: windc.secret });
    cleanup = async () => {
      await client.close();
      transport.close();
      await windc.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  after(() => cleanup());

  it('Discover is Windows’ Discover', () => {
    assert.equal(soapShape(sent[0] ?? ''), own('discover.shape.txt'));
  });

  it('GetPolicies with OnPremise credentials is Windows’ GetPolicies', () => {
    assert.equal(soapShape(sent[1] ?? ''), own('getpolicies-onpremise.shape.txt'));
  });

  it('RequestSecurityToken is Windows’, its AdditionalContext the 26200 items in order', () => {
    const ours = sent[2] ?? '';
    assert.equal(withoutContext(soapShape(ours)), own('rst.shape.txt'));
    const baseline = JSON.parse(own('rst-context-26200.json')) as Array<{ name: string; value?: string }>;
    assert.deepEqual(collapseMacs(contextNames(ours)), collapseMacs(baseline.map((i) => i.name)));
    // ApplicationVersion is the enrollment client's own build, one above the OS build on the capture machine.
    for (const fixed of baseline.filter((i) => i.name !== 'ApplicationVersion' && i.value)) {
      assert.ok(ours.includes(`Name="${fixed.name}"><ac:Value>${fixed.value}</ac:Value>`), fixed.name);
    }
  });

  it('our structural fixtures are those of the real captures', { skip }, () => {
    assert.equal(own('discover.shape.txt'), soapShape(fleet('01-discover-request.xml')));
    assert.equal(own('getpolicies-onpremise.shape.txt'), soapShape(fleet('02-getpolicies-request.xml')));
    assert.equal(own('rst.shape.txt'), withoutContext(soapShape(fleet('03-rst-enroll-request.xml'))));
    const context = JSON.parse(
      readFileSync(path.join(SHARED, 'fixtures/windows-26200/enrollment-context.json'), 'utf8'),
    ) as Array<{ label: string; items: Array<{ name: string; value?: string }> }>;
    const baseline = context.find((c) => c.label === 'baseline')?.items ?? [];
    assert.deepEqual(
      JSON.parse(own('rst-context-26200.json')),
      baseline.map((i) => (i.value === undefined ? { name: i.name } : { name: i.name, value: i.value })),
    );
    const win10 = collapseMacs(contextNames(fleet('03-rst-enroll-request.xml')));
    assert.deepEqual(
      collapseMacs(baseline.map((i) => i.name)).slice(0, win10.length),
      win10,
      '26200 keeps the Windows 10 items and order, and adds to them',
    );
  });
});
