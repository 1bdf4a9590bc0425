import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCESS_TYPES, CSPS, NODE_FORMATS, validateValue } from '../../../src/protocol/csp/index.ts';

describe('CSP tables', () => {
  for (const csp of CSPS) {
    const byPath = new Map(csp.nodes.map((n) => [n.path, n]));

    it(`${csp.name}: every node sits under a defined parent with at least its scopes`, () => {
      for (const n of csp.nodes) {
        assert.ok(n.path.startsWith(csp.name), n.path);
        const parentPath = n.path.split('/').slice(0, -1).join('/');
        if (parentPath === '') continue;
        const parent = byPath.get(parentPath);
        assert.ok(parent, `${n.path} has no parent definition`);
        assert.equal(parent.format, 'node', `${parentPath} holds children, so it is an interior node`);
        for (const s of n.scopes) assert.ok(parent.scopes.includes(s), `${n.path} is in ${s} but ${parentPath} is not`);
      }
    });

    it(`${csp.name}: formats, access types and scopes are from the DDF vocabulary`, () => {
      for (const n of csp.nodes) {
        assert.ok(NODE_FORMATS.includes(n.format), n.path);
        assert.ok(n.access.length > 0 && n.access.every((a) => ACCESS_TYPES.includes(a)), n.path);
        assert.ok(n.scopes.length > 0, n.path);
        assert.ok(n.description.length > 0, n.path);
        if (n.format === 'null') assert.deepEqual(n.access, ['Exec'], `${n.path}: a null node only executes`);
      }
    });

    it(`${csp.name}: defaults and enumerated values satisfy their own node`, () => {
      for (const n of csp.nodes) {
        if (n.defaultValue !== undefined) assert.deepEqual(validateValue(n, n.defaultValue), { ok: true }, n.path);
        if (n.allowed?.kind === 'enum' && n.format !== 'node') {
          for (const v of n.allowed.values)
            assert.deepEqual(validateValue(n, v.value), { ok: true }, `${n.path} ${v.value}`);
        }
        if (n.allowed?.kind === 'regex')
          assert.doesNotThrow(() => new RegExp(n.allowed?.kind === 'regex' ? n.allowed.pattern : ''));
        if (n.allowed?.kind === 'range') assert.ok(n.allowed.min <= n.allowed.max, n.path);
      }
    });

    it(`${csp.name}: dynamic nodes say how they are named or what they match`, () => {
      for (const n of csp.nodes.filter((x) => x.path.endsWith('}'))) {
        assert.equal(n.format, 'node', n.path);
        if (csp.name === 'DeclaredConfiguration') assert.ok(n.dynamicNaming, n.path);
      }
    });
  }

  it('covers the DMClient nodes a WinDC server sends', () => {
    const paths = new Set(CSPS.flatMap((c) => c.nodes.map((n) => n.path)));
    const P = 'DMClient/Provider/{ProviderID}';
    for (const leaf of [
      'EntDMID',
      'EnableOmaDmKeepAliveMessage',
      'RequireMessageSigning',
      'AADResourceID',
      'Poll/IntervalForFirstSetOfRetries',
      'Poll/NumberOfRemainingScheduledRetries',
      'Poll/PollOnLogin',
      'LinkedEnrollment/Enroll',
      'LinkedEnrollment/Unenroll',
      'LinkedEnrollment/EnrollStatus',
      'LinkedEnrollment/LastError',
      'LinkedEnrollment/DiscoveryEndpoint',
      'LinkedEnrollment/Priority',
    ]) {
      assert.ok(paths.has(`${P}/${leaf}`), leaf);
    }
  });
});
