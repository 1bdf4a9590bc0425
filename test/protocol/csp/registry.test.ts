import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allows, assertAccess, buildLocUri, CSPS, findNode, requireNode } from '../../../src/protocol/csp/index.ts';
import { codeOf, errorOf } from '../declared/support.ts';

const ID = 'EF046312-D737-460B-AA32-2E70BDA831E7';
const DC = './Device/Vendor/MSFT/DeclaredConfiguration';
const P = './Device/Vendor/MSFT/DMClient/Provider/MS%20DM%20SERVER';

describe('findNode', () => {
  const found: Array<[string, string, 'Device' | 'User', Record<string, string>]> = [
    [
      `${DC}/Host/Complete/Documents/${ID}/Document`,
      'DeclaredConfiguration/Host/Complete/Documents/{DocID}/Document',
      'Device',
      { DocID: ID },
    ],
    [
      `./User/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Results/${ID}/Document`,
      'DeclaredConfiguration/Host/Complete/Results/{DocID}/Document',
      'User',
      { DocID: ID },
    ],
    [
      `${DC}/Host/Complete/Documents/${ID}/Properties/Abandoned`,
      'DeclaredConfiguration/Host/Complete/Documents/{DocID}/Properties/Abandoned',
      'Device',
      { DocID: ID },
    ],
    [
      `${DC}/Host/Inventory/Documents/${ID}`,
      'DeclaredConfiguration/Host/Inventory/Documents/{DocID}',
      'Device',
      { DocID: ID },
    ],
    [`${DC}/Host/Complete/Documents`, 'DeclaredConfiguration/Host/Complete/Documents', 'Device', {}],
    [
      `${DC}/ManagementServiceConfiguration/RefreshInterval`,
      'DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval',
      'Device',
      {},
    ],
    ['./Vendor/MSFT/DeclaredConfiguration', 'DeclaredConfiguration', 'Device', {}],
    [
      `${P}/LinkedEnrollment/DiscoveryEndpoint`,
      'DMClient/Provider/{ProviderID}/LinkedEnrollment/DiscoveryEndpoint',
      'Device',
      { ProviderID: 'MS%20DM%20SERVER' },
    ],
    [
      `${P}/LinkedEnrollment/Enroll`,
      'DMClient/Provider/{ProviderID}/LinkedEnrollment/Enroll',
      'Device',
      { ProviderID: 'MS%20DM%20SERVER' },
    ],
    [
      `${P}/LinkedEnrollment/UnEnroll`,
      'DMClient/Provider/{ProviderID}/LinkedEnrollment/Unenroll',
      'Device',
      { ProviderID: 'MS%20DM%20SERVER' },
    ],
    [
      `${P}/Poll/NumberOfFirstRetries`,
      'DMClient/Provider/{ProviderID}/Poll/NumberOfFirstRetries',
      'Device',
      { ProviderID: 'MS%20DM%20SERVER' },
    ],
    [
      './Vendor/MSFT/DMClient/Provider/Contoso/EntDMID',
      'DMClient/Provider/{ProviderID}/EntDMID',
      'Device',
      { ProviderID: 'Contoso' },
    ],
    [
      './User/Vendor/MSFT/DMClient/Provider/Contoso/ExchangeID',
      'DMClient/Provider/{ProviderID}/ExchangeID',
      'User',
      { ProviderID: 'Contoso' },
    ],
    [
      './device/vendor/msft/dmclient/provider/Contoso/requiremessagesigning',
      'DMClient/Provider/{ProviderID}/RequireMessageSigning',
      'Device',
      { ProviderID: 'Contoso' },
    ],
  ];
  for (const [locUri, path, scope, captures] of found) {
    it(`${locUri} → ${path}`, () => {
      const m = findNode(locUri);
      assert.ok(m, 'found');
      assert.equal(m.node.path, path);
      assert.equal(m.scope, scope);
      assert.deepEqual(m.captures, captures);
      assert.equal(m.csp.name, path.split('/')[0]);
    });
  }

  const missing: Array<[string, RegExp]> = [
    [`${DC}/Host/Complete/Documents/not-a-guid/Document`, /DocID 'not-a-guid' does not match/],
    [`${DC}/Host/Complete/Documents/${ID}/Documents`, /'Documents' is not a child of .*\{DocID\}/],
    [`${DC}/Host/Inventory/Documents/${ID}/Properties/Abandoned`, /'Properties' is not a child/],
    [
      './User/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval',
      /exists in Device scope only/,
    ],
    ['./Device/Vendor/MSFT/DMClient/Provider/Contoso/ExchangeID', /exists in User scope only/],
    ['./Vendor/MSFT/DMClient/Provider/Contoso/ExchangeID', /exists in User scope only/],
    ['./User/Vendor/MSFT/DMClient/Provider/Contoso/LinkedEnrollment/Enroll', /Device scope only/],
    ['./Device/Vendor/MSFT/VPNv2/Profile', /no CSP named 'VPNv2'/],
    ['./Device/Vendor/MSFT', /no CSP named ''/],
    [' ./Device/Vendor/MSFT/DMClient', /whitespace/],
    ['./Device/Vendor/MSFT/DMClient//Provider', /empty segment/],
    ['Device/Vendor/MSFT/DMClient', /does not start with/],
  ];
  for (const [locUri, why] of missing) {
    it(`${locUri} names no node (${why.source})`, () => {
      assert.equal(findNode(locUri), undefined);
      const e = errorOf(() => requireNode(locUri));
      assert.equal(e.code, 'CSP_UNKNOWN_NODE');
      assert.equal(e.syncmlStatus, 404);
      assert.match(e.message, why);
    });
  }
});

describe('access and building', () => {
  it('allows what the DDF allows and refuses the rest with 405', () => {
    const results = requireNode(`${DC}/Host/Complete/Results/${ID}/Document`).node;
    assert.ok(allows(results, 'Get'));
    const e = errorOf(() => assertAccess(results, 'Replace'));
    assert.equal(e.code, 'CSP_COMMAND_NOT_ALLOWED');
    assert.equal(e.syncmlStatus, 405);
    assert.match(e.message, /allows Get, not Replace/);
    assertAccess(requireNode(`${P}/LinkedEnrollment/Enroll`).node, 'Exec');
    assert.equal(
      codeOf(() => assertAccess(requireNode(`${P}/LinkedEnrollment/EnrollStatus`).node, 'Replace')),
      'CSP_COMMAND_NOT_ALLOWED',
    );
  });

  it('buildLocUri fills dynamic segments and findNode gives them back', () => {
    const def = requireNode(`${P}/LinkedEnrollment/DiscoveryEndpoint`).node;
    const locUri = buildLocUri(def, 'Device', { ProviderID: 'MS%20DM%20SERVER' });
    assert.equal(locUri, `${P}/LinkedEnrollment/DiscoveryEndpoint`);
    assert.deepEqual(findNode(locUri)?.captures, { ProviderID: 'MS%20DM%20SERVER' });
  });

  it('buildLocUri refuses missing or unusable segment values, and nodes outside their scope', () => {
    const def = requireNode(`${DC}/Host/Complete/Documents/${ID}/Document`).node;
    assert.equal(
      codeOf(() => buildLocUri(def, 'Device')),
      'CSP_UNKNOWN_NODE',
    );
    assert.equal(
      codeOf(() => buildLocUri(def, 'Device', { DocID: 'a/b' })),
      'CSP_UNKNOWN_NODE',
    );
    assert.equal(
      codeOf(() => buildLocUri(def, 'Device', { DocID: 'doc-1' })),
      'CSP_UNKNOWN_NODE',
    );
    const msc = requireNode(`${DC}/ManagementServiceConfiguration/RefreshInterval`).node;
    assert.equal(
      codeOf(() => buildLocUri(msc, 'User')),
      'CSP_UNKNOWN_NODE',
    );
  });

  it('resolves every defined node from its own LocURI', () => {
    for (const csp of CSPS) {
      for (const def of csp.nodes) {
        const values = { DocID: ID, ProviderID: 'Contoso' };
        for (const scope of def.scopes) {
          assert.equal(findNode(buildLocUri(def, scope, values))?.node, def, `${scope} ${def.path}`);
        }
      }
    }
  });
});
