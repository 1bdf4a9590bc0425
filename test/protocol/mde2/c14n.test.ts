import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalize, exclusiveCanonicalize } from '../../../src/protocol/mde2/c14n.ts';
import { findElementById } from '../../../src/protocol/mde2/index.ts';
import { parseXml, type XmlElement } from '../../../src/protocol/xml/index.ts';
import { codeOf } from './helpers.ts';

/** The first element (document order) with this qualified name. */
function find(root: XmlElement, name: string): XmlElement {
  const stack = [root];
  while (stack.length > 0) {
    const el = stack.shift() as XmlElement;
    if (el.name === name) return el;
    for (const c of el.children) if (c.kind === 'element') stack.push(c);
  }
  throw new Error(`no <${name}>`);
}

function exc(xml: string, name?: string, options = {}): string {
  const { root } = parseXml(xml);
  return exclusiveCanonicalize(root, name ? find(root, name) : root, options);
}

function inc(xml: string, name?: string): string {
  const { root } = parseXml(xml);
  return canonicalize(root, name ? find(root, name) : root, { mode: 'inclusive' });
}

// Every expected value below was worked out by hand from the W3C recommendations (Exclusive XML
// Canonicalization 1.0 §3, Canonical XML 1.0 §2), not produced by this implementation.
describe('XML canonicalization: known answers', () => {
  const doc1 =
    '<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" ' +
    'xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>';
  const doc2 =
    '<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain">' +
    '<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n2:pdu>';

  it('exclusive: an apex renders only what it uses, so both contexts give the same bytes', () => {
    const want =
      '<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>';
    assert.equal(exc(doc1, 'n1:elem2'), want);
    assert.equal(exc(doc2, 'n1:elem2'), want);
  });

  it('inclusive: an apex renders every namespace in scope and inherits xml:* attributes', () => {
    assert.equal(
      inc(doc1, 'n1:elem2'),
      '<n1:elem2 xmlns:n0="foo:bar" xmlns:n1="http://example.net" xmlns:n3="ftp://example.org" xml:lang="en">' +
        '<n3:stuff></n3:stuff></n1:elem2>',
    );
    assert.equal(
      inc(doc2, 'n1:elem2'),
      '<n1:elem2 xmlns:n1="http://example.net" xmlns:n2="http://foo.example" xml:lang="en" xml:space="retain">' +
        '<n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>',
    );
  });

  it('sorts namespace declarations by prefix and attributes by namespace URI, then local name', () => {
    assert.equal(
      exc('<e xmlns:b="urn:b" xmlns:a="urn:a" b:x="1" a:y="2" z="3" a:b="4"/>'),
      '<e xmlns:a="urn:a" xmlns:b="urn:b" z="3" a:b="4" a:y="2" b:x="1"></e>',
    );
    // Prefix order and URI order disagree here: declarations follow the prefix, attributes the URI.
    assert.equal(
      exc('<e xmlns:a="urn:z" xmlns:b="urn:a" a:x="1" b:y="2"/>'),
      '<e xmlns:a="urn:z" xmlns:b="urn:a" b:y="2" a:x="1"></e>',
    );
  });

  it('normalises start tags: quotes, spacing, empty elements', () => {
    assert.equal(exc(`<e   b = 'x'   a="y" ></e >`), '<e a="y" b="x"></e>');
    assert.equal(exc('<r/>'), '<r></r>');
  });

  it('escapes text and attribute values as C14N prescribes', () => {
    assert.equal(
      exc(`<e a="&quot;x&#9;y&#10;z&#13;" b="&lt;&gt;&amp;'">&lt;&gt;&amp;"'&#13;</e>`),
      `<e a="&quot;x&#x9;y&#xA;z&#xD;" b="&lt;>&amp;'">&lt;&gt;&amp;"'&#xD;</e>`,
    );
    // Literal line breaks in text are normalised by the parser; literal whitespace in attributes too.
    assert.equal(exc('<e a="1\n2">a\r\nb</e>'), '<e a="1 2">a\nb</e>');
  });

  it('replaces CDATA sections by their escaped text and keeps whitespace', () => {
    assert.equal(exc('<e><![CDATA[<x> & y]]>  </e>'), '<e>&lt;x&gt; &amp; y  </e>');
  });

  it('undeclares the default namespace only below an output ancestor that declared one', () => {
    const xml = '<a xmlns="urn:x"><b xmlns=""><c/></b></a>';
    assert.equal(exc(xml), '<a xmlns="urn:x"><b xmlns=""><c></c></b></a>');
    assert.equal(exc(xml, 'b'), '<b><c></c></b>');
    assert.equal(inc(xml, 'b'), '<b><c></c></b>');
  });

  it('moves a default namespace to the first element that uses it, unless the prefix list says #default', () => {
    const xml = '<s:E xmlns:s="urn:s" xmlns="urn:d"><s:H><T>1</T></s:H></s:E>';
    assert.equal(exc(xml, 's:H'), '<s:H xmlns:s="urn:s"><T xmlns="urn:d">1</T></s:H>');
    assert.equal(
      exc(xml, 's:H', { inclusivePrefixes: ['#default'] }),
      '<s:H xmlns="urn:d" xmlns:s="urn:s"><T>1</T></s:H>',
    );
    assert.equal(inc(xml, 's:H'), '<s:H xmlns="urn:d" xmlns:s="urn:s"><T>1</T></s:H>');
  });

  it('renders a prefix where an attribute first uses it, and an unchanged redeclaration never twice', () => {
    assert.equal(exc('<r xmlns:p="urn:p"><c p:att="v"/></r>'), '<r><c xmlns:p="urn:p" p:att="v"></c></r>');
    assert.equal(inc('<r xmlns:p="urn:p"><c p:att="v"/></r>'), '<r xmlns:p="urn:p"><c p:att="v"></c></r>');
    assert.equal(exc('<r xmlns:p="urn:p"><p:a><p:b/></p:a></r>'), '<r><p:a xmlns:p="urn:p"><p:b></p:b></p:a></r>');
    assert.equal(
      exc('<a:x xmlns:a="urn:a"><a:y xmlns:a="urn:a"/><a:z xmlns:a="urn:b"/></a:x>'),
      '<a:x xmlns:a="urn:a"><a:y></a:y><a:z xmlns:a="urn:b"></a:z></a:x>',
    );
  });

  it('leaves out an excluded subtree (the enveloped-signature transform)', () => {
    const { root } = parseXml('<doc><a>1</a><Signature xmlns="urn:sig"><v/></Signature><b/></doc>');
    const sig = find(root, 'Signature');
    assert.equal(exclusiveCanonicalize(root, root, { exclude: sig }), '<doc><a>1</a><b></b></doc>');
  });

  it('canonicalises a WS-Security Timestamp out of its envelope', () => {
    const u = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
    const o = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
    const xml =
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="${u}"><s:Header>` +
      `<o:Security xmlns:o="${o}" s:mustUnderstand="1"><u:Timestamp u:Id="_0">` +
      '<u:Created>2026-01-02T03:04:05.000Z</u:Created><u:Expires>2026-01-02T03:09:05.000Z</u:Expires>' +
      '</u:Timestamp></o:Security></s:Header><s:Body/></s:Envelope>';
    const { root } = parseXml(xml);
    const ts = findElementById(root, '_0') as XmlElement;
    assert.equal(
      exclusiveCanonicalize(root, ts),
      `<u:Timestamp xmlns:u="${u}" u:Id="_0"><u:Created>2026-01-02T03:04:05.000Z</u:Created>` +
        '<u:Expires>2026-01-02T03:09:05.000Z</u:Expires></u:Timestamp>',
    );
  });

  it('refuses a prefix bound to no namespace instead of inventing one', () => {
    assert.equal(
      codeOf(() => exc('<p:a/>')),
      'WSSE_MALFORMED',
    );
  });
});
