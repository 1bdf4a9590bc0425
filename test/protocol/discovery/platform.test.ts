import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareWindowsVersions,
  parseWindowsVersion,
  resolveWinDcAuthPolicy,
  supportsEntraRegistered,
} from '../../../src/protocol/discovery/index.ts';

describe('WinDC discovery: platform rule for Entra registered devices (seed 001)', () => {
  it('parses dotted versions, three or four parts', () => {
    assert.deepEqual(parseWindowsVersion('10.0.22631.3958'), { major: 10, minor: 0, build: 22631, revision: 3958 });
    assert.deepEqual(parseWindowsVersion('10.0.19045'), { major: 10, minor: 0, build: 19045, revision: 0 });
    for (const bad of ['', '10', '10.0', 'ten.0.1.2', '10.0.1.2.3', '10.0.-1.2', '1e1.0.1.2', '10.0.1.2 beta']) {
      assert.equal(parseWindowsVersion(bad), undefined, bad);
    }
  });

  it('each servicing branch from its July 2024 update on, compared numerically', () => {
    const cases: Array<[string, boolean]> = [
      ['10.0.19045.4717', true],
      ['10.0.19045.4716', false],
      ['10.0.19045.10000', true], // numeric, not string, comparison
      ['10.0.19044.9999', false], // Windows 10 21H2 is not in the list
      ['10.0.22000.3000', false], // Windows 11 21H2 neither
      ['10.0.22621.3958', true],
      ['10.0.22621.3880', false],
      ['10.0.22631.3958', true],
      ['10.0.22631.4460', true],
      ['10.0.22631.3957', false],
      ['10.0.26100.1301', true],
      ['10.0.26100.1150', false],
      ['10.0.26100', false],
      ['10.0.26200.9278', true], // 25H2 shipped after the feature
      ['11.0.26200.1', false],
      ['not a version', false],
    ];
    for (const [v, want] of cases) assert.equal(supportsEntraRegistered(v), want, v);
  });

  it('User is Certificate only where supported; Device and legacy are always Federated', () => {
    assert.deepEqual(resolveWinDcAuthPolicy({ osVersion: '10.0.22631.3958', enrollmentType: 'User' }), {
      ok: true,
      authPolicy: 'Certificate',
    });
    const old = resolveWinDcAuthPolicy({ osVersion: '10.0.22631.3957', enrollmentType: 'User' });
    assert.equal(old.ok, false);
    assert.match(old.ok ? '' : old.message, /10\.0\.22631\.3957/);
    assert.deepEqual(resolveWinDcAuthPolicy({ osVersion: '10.0.17763.1', enrollmentType: 'Device' }), {
      ok: true,
      authPolicy: 'Federated',
    });
  });

  it('orders versions part by part', () => {
    const v = (s: string) => parseWindowsVersion(s) as NonNullable<ReturnType<typeof parseWindowsVersion>>;
    assert.ok(compareWindowsVersions(v('10.0.22631.3958'), v('10.0.22631.10')) > 0);
    assert.ok(compareWindowsVersions(v('10.0.19045.9999'), v('10.0.22621.1')) < 0);
    assert.equal(compareWindowsVersions(v('10.0.1.2'), v('10.0.1.2')), 0);
  });
});
