import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExtensibilityScenario, lookupScenario, scenarioNames } from '../../../src/protocol/declared/index.ts';

describe('osdefinedscenario names', () => {
  it('2024-09-12 supports eight names, all also on the 2024-07-29 list', () => {
    const supported = scenarioNames('learn-2024-09-12');
    assert.equal(supported.length, 8);
    for (const name of supported) {
      assert.deepEqual(lookupScenario(name)?.lists, ['learn-2024-09-12', 'learn-2024-07-29'], name);
    }
  });

  it('2024-07-29 lists 27 distinct names (28 entries, msftadmxinstall twice)', () => {
    const listed = scenarioNames('learn-2024-07-29');
    assert.equal(listed.length, 27);
    assert.equal(new Set(listed.map((n) => n.toLowerCase())).size, 27);
  });

  const cases: Array<[string, string | undefined, string[], boolean]> = [
    ['MSFTVPN', 'MSFTVPN', ['learn-2024-09-12', 'learn-2024-07-29'], false],
    ['msftvpn', 'MSFTVPN', ['learn-2024-09-12', 'learn-2024-07-29'], false],
    ['MSFTWIFI', 'MSFTWifi', ['learn-2024-09-12', 'learn-2024-07-29'], false],
    ['MSFTPolicies', 'msftpolicies', ['learn-2024-07-29'], false],
    [
      'MSFTExtensibilityMIProviderConfig',
      'MSFTExtensibilityMIProviderConfig',
      ['learn-2024-09-12', 'learn-2024-07-29'],
      true,
    ],
    [
      'msftextensibilitymiproviderinventory',
      'MSFTExtensibilityMIProviderInventory',
      ['learn-2024-09-12', 'learn-2024-07-29'],
      true,
    ],
    ['MSFTExtensibilityMIProviderInstall', 'msftextensibilitymiproviderInstall', ['learn-2024-07-29'], true],
    ['MSFTScep', 'msftscep', ['learn-2024-07-29'], false],
    ['MSFTVPN2', undefined, [], false],
    ['', undefined, [], false],
  ];
  for (const [asked, name, lists, extensibility] of cases) {
    it(`'${asked}' → ${name ?? 'unknown'}`, () => {
      const m = lookupScenario(asked);
      assert.equal(m?.name, name);
      assert.deepEqual(m?.lists ?? [], lists);
      assert.equal(m?.extensibility ?? false, extensibility);
      assert.equal(isExtensibilityScenario(asked), extensibility);
    });
  }

  it('returns copies, so a caller cannot edit the index', () => {
    lookupScenario('MSFTVPN')?.lists.pop();
    assert.equal(lookupScenario('MSFTVPN')?.lists.length, 2);
  });
});
