import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalXml,
  documentChecksum,
  parseDocument,
  parseResult,
  resultChecksum,
  withResultChecksum,
} from '../../../src/protocol/declared/index.ts';
import { parseXml } from '../../../src/protocol/xml/index.ts';
import { codeOf, fixture } from './support.ts';

const ID = 'A54E0A4D-E4A3-4FD8-AC60-9C77BFC7726C';
const BASE =
  `<DeclaredConfiguration schema="1.0" context="Device" id="${ID}" checksum="A0" osdefinedscenario="MSFTWifi">` +
  '<CSP name="./Vendor/MSFT/WiFi"><URI path="Profile/Corp/WlanXml" type="chr">&lt;a b="1"&gt;x &amp; y&lt;/a&gt;</URI>' +
  '<URI path="Profile/Corp/ProxyPacUrl" type="chr">http://wpad/p.pac</URI></CSP></DeclaredConfiguration>';

describe('document checksum', () => {
  const base = documentChecksum(BASE);

  it('is 64 upper-case hex digits', () => {
    assert.match(base, /^[0-9A-F]{64}$/);
  });

  it('writes the documented canonical form', () => {
    const { root } = parseXml(
      '<?xml version="1.0"?>\n<R z=\'2\' a="&#x31;"><!-- c -->\n  <E>\t</E>\n  <F q="&lt;&quot;&#9;"><![CDATA[<&>]]></F>\n</R>',
    );
    assert.equal(canonicalXml(root), '<R a="1" z="2"><E>\t</E><F q="&lt;&quot;&#9;">&lt;&amp;&gt;</F></R>');
    assert.equal(canonicalXml(root, ['z']), '<R a="1"><E>\t</E><F q="&lt;&quot;&#9;">&lt;&amp;&gt;</F></R>');
  });

  const same: Array<[string, string]> = [
    [
      'attributes in another order, other quotes',
      BASE.replace(
        `<DeclaredConfiguration schema="1.0" context="Device" id="${ID}" checksum="A0" osdefinedscenario="MSFTWifi">`,
        `<DeclaredConfiguration osdefinedscenario='MSFTWifi' id='${ID}' context="Device" checksum="A0" schema="1.0">`,
      ).replace('<URI path="Profile/Corp/ProxyPacUrl" type="chr">', '<URI type="chr" path="Profile/Corp/ProxyPacUrl">'),
    ],
    [
      'indentation and an XML declaration',
      `<?xml version="1.0" encoding="utf-8"?>
<DeclaredConfiguration schema="1.0" context="Device" id="${ID}" checksum="A0" osdefinedscenario="MSFTWifi">
  <CSP name="./Vendor/MSFT/WiFi">
    <URI path="Profile/Corp/WlanXml" type="chr">&lt;a b="1"&gt;x &amp; y&lt;/a&gt;</URI>
    <URI path="Profile/Corp/ProxyPacUrl" type="chr">http://wpad/p.pac</URI>
  </CSP>
</DeclaredConfiguration>
`,
    ],
    ['CDATA instead of escaping', BASE.replace('&lt;a b="1"&gt;x &amp; y&lt;/a&gt;', '<![CDATA[<a b="1">x & y</a>]]>')],
    ['character references', BASE.replace('http://wpad/p.pac', 'http&#58;//wpad/p&#x2E;pac')],
    ['a comment', BASE.replace('<CSP ', '<!-- wifi --><CSP ')],
    ['another checksum attribute', BASE.replace('checksum="A0"', 'checksum="B7"')],
    ['no checksum attribute', BASE.replace(' checksum="A0"', '')],
  ];
  for (const [what, text] of same) {
    it(`is unchanged by ${what}`, () => {
      assert.equal(documentChecksum(text), base);
    });
  }

  const different: Array<[string, string]> = [
    ['a changed value', BASE.replace('p.pac', 'q.pac')],
    ['whitespace inside a value', BASE.replace('http://wpad/p.pac', ' http://wpad/p.pac')],
    ['the case of a value', BASE.replace('http://wpad/p.pac', 'HTTP://wpad/p.pac')],
    ['the spelling of context', BASE.replace('context="Device"', 'context="device"')],
    ['another id', BASE.replace(ID, ID.toLowerCase())],
    ['another scenario', BASE.replace('MSFTWifi', 'MSFTWIFI')],
    ['another type', BASE.replace('type="chr">http', 'type="xml">http')],
    ['a changed path', BASE.replace('ProxyPacUrl', 'ProxyPacURL')],
    ['escaped markup changed', BASE.replace('b="1"', 'b="2"')],
    [
      'URIs in another order',
      BASE.replace(
        /(<URI path="Profile\/Corp\/WlanXml".*?<\/URI>)(<URI path="Profile\/Corp\/ProxyPacUrl".*?<\/URI>)/,
        '$2$1',
      ),
    ],
    ['an added URI', BASE.replace('</CSP>', '<URI path="Profile/Corp/ProxyWPAD" type="bool">false</URI></CSP>')],
  ];
  for (const [what, text] of different) {
    it(`changes with ${what}`, () => {
      assert.notEqual(text, BASE, 'the case must change the text');
      assert.notEqual(documentChecksum(text), base);
    });
  }

  it('is the same for the text and for the model parsed from it', () => {
    for (const name of ['dsc-config-document.xml', 'csp-wifi-document.xml', 'csp-vpnv2-user-document.xml']) {
      const text = fixture(name);
      assert.equal(documentChecksum(parseDocument(text)), documentChecksum(text), name);
    }
  });

  it('needs a DeclaredConfiguration root', () => {
    assert.equal(
      codeOf(() => documentChecksum('<DeclaredConfigurationResult/>')),
      'DC_BAD_DOCUMENT',
    );
  });
});

describe('result checksum', () => {
  const text = fixture('csp-wifi-result.xml');

  it('leaves out result_checksum and result_timestamp only', () => {
    const r = parseResult(text);
    assert.equal(resultChecksum(text), r.resultChecksum);
    assert.equal(
      resultChecksum({ ...r, resultChecksum: 'X', resultTimestamp: '2030-01-01T00:00:00Z' }),
      r.resultChecksum,
    );
    assert.notEqual(resultChecksum({ ...r, state: 60 }), r.resultChecksum);
    assert.notEqual(resultChecksum({ ...r, checksum: 'A1' }), r.resultChecksum);
  });

  it('changes when one URI status changes', () => {
    assert.notEqual(resultChecksum(text.replace('0x86000002', '0x86000003')), resultChecksum(text));
  });

  it('withResultChecksum sets it from the content', () => {
    const r = parseResult(text);
    assert.equal(withResultChecksum({ ...r, resultChecksum: '' }).resultChecksum, r.resultChecksum);
  });
});
