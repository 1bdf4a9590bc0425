import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { cdata, child, escapeAttr, escapeText, innerXml, parseXml, textOf } from '../../src/protocol/xml/index.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected ProtocolError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a failure');
}

describe('xml parse', () => {
  it('keeps document order, resolves default and prefixed namespaces', () => {
    const { root } = parseXml(
      '<a xmlns="urn:x" xmlns:m="urn:m"><b/><m:c m:q="1">t</m:c><b>2</b><d><Type xmlns="syncml:metinf">x</Type></d></a>',
    );
    assert.deepEqual(
      root.children.map((c) => (c.kind === 'element' ? c.name : c.text)),
      ['b', 'm:c', 'b', 'd'],
    );
    const c = root.children[1];
    assert.ok(c?.kind === 'element');
    assert.equal(c.uri, 'urn:m');
    assert.equal(c.attrs[0]?.uri, 'urn:m');
    const type = child(child(root, 'd')!, 'Type')!;
    assert.equal(type.uri, 'syncml:metinf');
    assert.equal(root.uri, 'urn:x');
  });

  it('decodes entity-escaped text and CDATA to the same string', () => {
    const a = parseXml('<D>&lt;x a="1"&gt;&amp;&lt;/x&gt;</D>').root;
    const b = parseXml('<D><![CDATA[<x a="1">&</x>]]></D>').root;
    assert.equal(textOf(a), '<x a="1">&</x>');
    assert.equal(textOf(b), textOf(a));
  });

  it('gives the exact inner source of an element with markup', () => {
    const doc = parseXml('<Data>  <X a="1" >y</X ><Z/></Data >');
    assert.equal(innerXml(doc, doc.root), '  <X a="1" >y</X ><Z/>');
    const z = doc.root.children.find((c) => c.kind === 'element' && c.name === 'Z');
    assert.ok(z?.kind === 'element');
    assert.equal(innerXml(doc, z), '');
  });

  it('keeps unbound prefixes instead of failing', () => {
    const { root } = parseXml('<Data msft:originalerror="0x86000002">x</Data>');
    assert.equal(root.attrs[0]?.name, 'msft:originalerror');
  });

  it('refuses DOCTYPE, entity declarations and undefined entities', () => {
    assert.equal(
      code(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')),
      'XML_DOCTYPE_FORBIDDEN',
    );
    assert.equal(
      code(() => parseXml('<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>')),
      'XML_DOCTYPE_FORBIDDEN',
    );
    assert.equal(
      code(() => parseXml('<a>&lol;</a>')),
      'XML_MALFORMED',
    );
  });

  it('enforces size, depth and element limits', () => {
    assert.equal(
      code(() => parseXml(`<a>${'x'.repeat(100)}</a>`, { maxBytes: 50 })),
      'XML_TOO_LARGE',
    );
    assert.equal(
      code(() => parseXml('<a><a><a><a/></a></a></a>', { maxDepth: 3 })),
      'XML_TOO_DEEP',
    );
    assert.equal(
      code(() => parseXml('<a><b/><b/><b/></a>', { maxElements: 3 })),
      'XML_TOO_MANY_NODES',
    );
  });

  it('refuses unpaired surrogates, which saxes would otherwise pair with the next character', () => {
    const e = (() => {
      try {
        parseXml('<a>\n x\ud800-</a>');
      } catch (err) {
        return err;
      }
    })();
    assert.ok(e instanceof ProtocolError);
    assert.equal(e.code, 'XML_MALFORMED');
    assert.deepEqual(e.position, { line: 2, column: 3 });
    assert.equal(
      code(() => parseXml('<a b="\udc00"/>')),
      'XML_MALFORMED',
    );
    assert.equal(textOf(parseXml('<a>\ud83d\ude00</a>').root), '\u{1F600}');
  });

  it('reports malformed input with a position', () => {
    try {
      parseXml('<a>\n  <b></c></a>');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, 'XML_MALFORMED');
      assert.equal(e.position?.line, 2);
    }
    assert.equal(
      code(() => parseXml('')),
      'XML_MALFORMED',
    );
    assert.equal(
      code(() => parseXml('<a>')),
      'XML_MALFORMED',
    );
    assert.equal(
      code(() => parseXml('<a/><b/>')),
      'XML_MALFORMED',
    );
  });
});

describe('xml write', () => {
  it('escapes text and attributes so they parse back to the same string', () => {
    const nasty = 'a<b>&"c"\n\t]]>\'';
    const { root } = parseXml(`<x v="${escapeAttr(nasty)}">${escapeText(nasty)}</x>`);
    assert.equal(root.attrs[0]?.value, nasty);
    assert.equal(textOf(root), nasty);
    assert.equal(textOf(parseXml(`<x>${cdata(nasty)}</x>`).root), nasty);
  });
});
