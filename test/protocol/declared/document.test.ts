import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildDocument,
  type DeclaredConfigurationDocument,
  documentChecksum,
  parseDocument,
  validateDocument,
  withChecksum,
} from '../../../src/protocol/declared/index.ts';
import { codeOf, errorOf, fixture } from './support.ts';

const ID = 'EF046312-D737-460B-AA32-2E70BDA831E7';
const DSC_BODY =
  '<DSC namespace="root/Microsoft/Windows/DesiredStateConfiguration" className="MSFT_FileDirectoryConfiguration">' +
  '<Key name="DestinationPath">C:\\x.txt</Key><Value name="Contents">x</Value></DSC>';
const CSP_BODY = '<CSP name="./Vendor/MSFT/VPNv2"><URI path="P/AlwaysOn" type="bool">true</URI></CSP>';

/** A document whose root attributes and body a case can replace one at a time. */
function doc(overrides: Record<string, string | null> = {}, body = DSC_BODY): string {
  const attrs: Record<string, string | null> = {
    schema: '1.0',
    context: 'Device',
    id: ID,
    checksum: 'A0',
    osdefinedscenario: 'MSFTExtensibilityMIProviderConfig',
    ...overrides,
  };
  const list = Object.entries(attrs)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return `<DeclaredConfiguration${list}>${body}</DeclaredConfiguration>`;
}

const vpn = (body: string) => doc({ osdefinedscenario: 'MSFTVPN' }, body);

describe('DeclaredConfiguration documents: fixtures', () => {
  it('reads the DSC configuration document', () => {
    const d = parseDocument(fixture('dsc-config-document.xml'));
    assert.equal(d.id, ID);
    assert.equal(d.context, 'Device');
    assert.equal(d.contextAsWritten, undefined);
    assert.equal(d.scenario, 'MSFTExtensibilityMIProviderConfig');
    assert.deepEqual(d.blocks, [
      {
        kind: 'DSC',
        namespace: 'root/Microsoft/Windows/DesiredStateConfiguration',
        className: 'MSFT_FileDirectoryConfiguration',
        properties: [
          { role: 'Key', name: 'DestinationPath', value: 'C:\\ProgramData\\Contoso\\agent.conf' },
          {
            role: 'Value',
            name: 'Contents',
            value: 'endpoint=https://telemetry.contoso.test/ingest?site=7&tier=gold\nretries=3',
          },
        ],
      },
    ]);
  });

  it('reads the inventory document with its empty Value', () => {
    const d = parseDocument(fixture('dsc-inventory-document.xml'));
    assert.equal(d.scenario, 'MSFTExtensibilityMIProviderInventory');
    const b = d.blocks[0];
    assert.ok(b?.kind === 'DSC');
    assert.deepEqual(b.properties[1], { role: 'Value', name: 'Contents', value: '' });
  });

  it('reads the Wi-Fi document, unescaping the WLAN profile', () => {
    const d = parseDocument(fixture('csp-wifi-document.xml'));
    const b = d.blocks[0];
    assert.ok(b?.kind === 'CSP');
    assert.equal(b.name, './Vendor/MSFT/WiFi');
    assert.equal(b.uris[0]?.path, 'Profile/ContosoCorp/WlanXml');
    assert.ok(b.uris[0]?.value.startsWith('<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1">'));
  });

  it('reads the User-context VPNv2 document', () => {
    const d = parseDocument(fixture('csp-vpnv2-user-document.xml'));
    assert.equal(d.context, 'User');
    const b = d.blocks[0];
    assert.ok(b?.kind === 'CSP');
    assert.equal(b.uris.length, 7);
    assert.deepEqual(b.uris[6], { path: 'ContosoVPN/TrafficFilterList/0/Protocol', type: 'int', value: '17' });
  });

  for (const name of [
    'dsc-config-document.xml',
    'dsc-inventory-document.xml',
    'csp-wifi-document.xml',
    'csp-vpnv2-user-document.xml',
    'bulk-template-document.xml',
  ]) {
    it(`${name}: parse(build(x)) equals x and the checksum survives re-serialisation`, () => {
      const text = fixture(name);
      const d = parseDocument(text);
      const built = buildDocument(d);
      assert.deepEqual(parseDocument(built), d);
      assert.equal(documentChecksum(built), documentChecksum(text));
      assert.equal(d.checksum, documentChecksum(text), 'fixture checksums are windc checksums');
    });
  }
});

describe('DeclaredConfiguration documents: rules', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['another root', '<DeclaredConfigurations schema="1.0"/>', 'DC_BAD_DOCUMENT', /root element/],
    ['malformed XML', '<DeclaredConfiguration', 'XML_MALFORMED', /./],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY e "y">]>${doc()}`, 'XML_DOCTYPE_FORBIDDEN', /DOCTYPE/],
    ['no schema', doc({ schema: null }), 'DC_BAD_DOCUMENT', /no schema attribute/],
    ['schema 2.0', doc({ schema: '2.0' }), 'DC_BAD_DOCUMENT', /schema '2.0' is not 1.0/],
    ['no context', doc({ context: null }), 'DC_BAD_CONTEXT', /no context/],
    ['context Machine', doc({ context: 'Machine' }), 'DC_BAD_CONTEXT', /neither Device nor User/],
    ['no id', doc({ id: null }), 'DC_BAD_ID', /no id/],
    ['an id that is not a GUID', doc({ id: '33333333-1861-4131-96e8-44444444' }), 'DC_BAD_ID', /not a GUID/],
    ['an id in braces', doc({ id: `{${ID}}` }), 'DC_BAD_ID', /not a GUID/],
    ['no osdefinedscenario', doc({ osdefinedscenario: null }), 'DC_UNKNOWN_SCENARIO', /no osdefinedscenario/],
    ['an unknown scenario', doc({ osdefinedscenario: 'MSFTVPN2' }), 'DC_UNKNOWN_SCENARIO', /MSFTVPN2/],
    [
      'the 2024-07-29 osdefinedscenariio typo',
      doc({ osdefinedscenario: null, osdefinedscenariio: 'MSFTVPN' }),
      'DC_BAD_DOCUMENT',
      /does not take the attribute osdefinedscenariio/,
    ],
    [
      'extensibility in User context',
      doc({ context: 'User' }),
      'DC_SCENARIO_SCOPE',
      /MSFTExtensibilityMIProviderConfig is an extensibility scenario and needs context Device/,
    ],
    ['no checksum', doc({ checksum: null }), 'DC_BAD_DOCUMENT', /no checksum/],
    ['an empty checksum', doc({ checksum: '' }), 'DC_BAD_DOCUMENT', /empty checksum/],
    ['an unknown root attribute', doc({ version: '2' }), 'DC_BAD_DOCUMENT', /attribute version/],
    ['no block', doc({}, ''), 'DC_BAD_DOCUMENT', /no DSC or CSP block/],
    ['text in the root', doc({}, `${DSC_BODY}stray`), 'DC_BAD_DOCUMENT', /holds text/],
    ['an unknown block', doc({}, '<MOF/>'), 'DC_BAD_DOCUMENT', /<MOF> is not a document block/],
    ['a CSP block in an extensibility scenario', doc({}, CSP_BODY), 'DC_BAD_DOCUMENT', /takes <DSC> blocks/],
    ['a DSC block in MSFTVPN', vpn(DSC_BODY), 'DC_BAD_DOCUMENT', /belong to extensibility scenarios/],
    [
      'classname spelt as in the seed table',
      doc({}, '<DSC namespace="n" classname="C"><Key name="k">v</Key></DSC>'),
      'DC_BAD_DOCUMENT',
      /did you mean className/,
    ],
    [
      'a DSC block without Key',
      doc({}, '<DSC namespace="n" className="C"><Value name="v">1</Value></DSC>'),
      'DC_BAD_DOCUMENT',
      /has no Key/,
    ],
    [
      'a Key without name',
      doc({}, '<DSC namespace="n" className="C"><Key>v</Key></DSC>'),
      'DC_BAD_DOCUMENT',
      /no name attribute/,
    ],
    [
      'a property set twice',
      doc({}, '<DSC namespace="n" className="C"><Key name="k">a</Key><Value name="k">b</Value></DSC>'),
      'DC_BAD_DOCUMENT',
      /sets k twice/,
    ],
    [
      'markup inside a Value',
      doc({}, '<DSC namespace="n" className="C"><Key name="k"><b/></Key></DSC>'),
      'DC_BAD_DOCUMENT',
      /only text/,
    ],
    [
      'another DSC child',
      doc({}, '<DSC namespace="n" className="C"><Property name="k"/></DSC>'),
      'DC_BAD_DOCUMENT',
      /Key and Value/,
    ],
    [
      'a CSP name without root',
      vpn('<CSP name="VPNv2"><URI path="a" type="chr">x</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /not a CSP root/,
    ],
    [
      'a CSP name with a scope',
      vpn('<CSP name="./User/Vendor/MSFT/VPNv2"><URI path="a" type="chr">x</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /names a scope/,
    ],
    ['a CSP block without URI', vpn('<CSP name="./Vendor/MSFT/VPNv2"/>'), 'DC_BAD_DOCUMENT', /has no <URI>/],
    [
      'a URI without type',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><URI path="a">x</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /no type/,
    ],
    [
      'the 2024-07-29 type="true"',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><URI path="P/AlwaysOn" type="true">2</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /type 'true' is not one of/,
    ],
    [
      'an int that is not',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><URI path="a" type="int">two</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /not an integer/,
    ],
    [
      'a bool that is not',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><URI path="a" type="bool">yes</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /not true or false/,
    ],
    [
      'an absolute path',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><URI path="/a" type="chr">x</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /relative/,
    ],
    [
      'an empty path segment',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><URI path="a//b" type="chr">x</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /empty segment/,
    ],
    [
      'a path given twice',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><URI path="a/B" type="chr">x</URI><URI path="a/b" type="chr">y</URI></CSP>'),
      'DC_BAD_DOCUMENT',
      /appears twice/,
    ],
    [
      'another CSP child',
      vpn('<CSP name="./Vendor/MSFT/VPNv2"><Node path="a"/></CSP>'),
      'DC_BAD_DOCUMENT',
      /holds URI elements/,
    ],
    [
      'ReflectedProperties after a block',
      vpn(`${CSP_BODY}<ReflectedProperties/>`),
      'DC_BAD_DOCUMENT',
      /once, before the first block/,
    ],
    [
      'a Property without type',
      vpn(`<ReflectedProperties><Property name="p">v</Property></ReflectedProperties>${CSP_BODY}`),
      'DC_BAD_DOCUMENT',
      /no type attribute/,
    ],
  ];
  for (const [what, text, code, message] of cases) {
    it(`refuses ${what} with ${code}`, () => {
      const e = errorOf(() => parseDocument(text));
      assert.equal(e.code, code);
      assert.match(e.message, message);
    });
  }

  it('accepts Device/User in any case and keeps what was written', () => {
    const d = parseDocument(vpn(CSP_BODY).replace('context="Device"', 'context="user"'));
    assert.equal(d.context, 'User');
    assert.equal(d.contextAsWritten, 'user');
    assert.match(buildDocument(d), /context="user"/);
  });

  it('accepts types and booleans in any case, and placeholders in any type', () => {
    const d = parseDocument(
      vpn(
        '<CSP name="./Vendor/MSFT/VPNv2"><URI path="a" type="Int">2</URI><URI path="b" type="bool">True</URI><URI path="c" type="int">@#n#</URI></CSP>',
      ),
    );
    assert.equal(d.blocks.length, 1);
  });

  it('restricts scenarios to the lists asked for', () => {
    const policies = doc({ osdefinedscenario: 'MSFTPolicies' }, CSP_BODY);
    assert.equal(parseDocument(policies).scenario, 'MSFTPolicies');
    assert.equal(
      codeOf(() => parseDocument(policies, { scenarioLists: ['learn-2024-09-12'] })),
      'DC_UNKNOWN_SCENARIO',
    );
  });

  it('points at the element at fault', () => {
    const e = errorOf(() =>
      parseDocument(
        `<DeclaredConfiguration schema="1.0" context="Device" id="${ID}" checksum="A"\n osdefinedscenario="MSFTVPN">\n  ${CSP_BODY}\n  <CSP name="./Vendor/MSFT/WiFi">\n    <URI path="x" type="int">1.5</URI>\n  </CSP>\n</DeclaredConfiguration>`,
      ),
    );
    assert.equal(e.code, 'DC_BAD_DOCUMENT');
    assert.match(e.message, /URI 'x' in \.\/Vendor\/MSFT\/WiFi: '1\.5' is not an integer/);
    assert.equal(e.position?.line, 5);
  });

  it('is limited by the XML limits passed in', () => {
    assert.equal(
      codeOf(() => parseDocument(doc(), { limits: { maxBytes: 100 } })),
      'XML_TOO_LARGE',
    );
  });
});

describe('DeclaredConfiguration documents: building', () => {
  const model: DeclaredConfigurationDocument = {
    schema: '1.0',
    context: 'Device',
    id: ID,
    checksum: '',
    scenario: 'MSFTExtensibilityMIProviderConfig',
    blocks: [
      {
        kind: 'DSC',
        namespace: 'root/Microsoft/Windows/DesiredStateConfiguration',
        className: 'MSFT_FileDirectoryConfiguration',
        properties: [
          { role: 'Key', name: 'DestinationPath', value: 'C:\\a&b<c>.txt' },
          { role: 'Value', name: 'Contents', value: ' "quoted" ]]> \n' },
        ],
      },
    ],
  };

  it('withChecksum sets a 64-hex SHA-256, and build round-trips every character', () => {
    const d = withChecksum(model);
    assert.match(d.checksum, /^[0-9A-F]{64}$/);
    assert.deepEqual(parseDocument(buildDocument(d)), d);
  });

  it('refuses to build without a checksum', () => {
    assert.match(errorOf(() => buildDocument(model)).message, /withChecksum/);
  });

  it('applies the parse rules before building', () => {
    assert.equal(
      codeOf(() => buildDocument({ ...withChecksum(model), id: 'x' })),
      'DC_BAD_ID',
    );
    assert.equal(
      codeOf(() => buildDocument({ ...withChecksum(model), context: 'User' })),
      'DC_SCENARIO_SCOPE',
    );
    assert.equal(
      codeOf(() => buildDocument({ ...withChecksum(model), contextAsWritten: 'usr' })),
      'DC_BAD_CONTEXT',
    );
    assert.equal(
      codeOf(() => buildDocument({ ...withChecksum(model), blocks: [] })),
      'DC_BAD_DOCUMENT',
    );
  });

  it('validateDocument reports the scenario match', () => {
    assert.deepEqual(validateDocument(model).lists, ['learn-2024-09-12', 'learn-2024-07-29']);
  });
});
