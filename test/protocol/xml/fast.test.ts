// The fast XML path must be invisible: wherever it produces a tree, saxes produces the same one, and wherever saxes
// rejects the input, the fast path gives up. These tests hold it to that on every XML fixture we have, on cases
// written for each rule, and on seeded random mutations of the fixtures.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../src/device/faults.ts';
import { parseXmlFast } from '../../../src/protocol/xml/fast.ts';
import { DEFAULT_XML_LIMITS, type ParsedXml, parseXml, parseXmlWithSaxes } from '../../../src/protocol/xml/index.ts';
import { repoRoot, SHARED, SHARED_MISSING } from '../../support/protocol.ts';

function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...xmlFiles(p));
    else if (name.endsWith('.xml')) out.push(p);
  }
  return out;
}

const own = xmlFiles(path.join(repoRoot, 'test/fixtures'));
const shared = SHARED_MISSING
  ? []
  : [...xmlFiles(path.join(SHARED, 'fixtures')), ...xmlFiles(path.join(SHARED, 'research/samples'))];

function saxes(text: string): ParsedXml | Error {
  try {
    return parseXmlWithSaxes(text);
  } catch (e) {
    return e as Error;
  }
}

/** The property itself; returns whether the fast path produced the tree. */
function agrees(text: string, label: string): boolean {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const fast = parseXmlFast(source, DEFAULT_XML_LIMITS);
  const reference = saxes(text);
  if (fast === undefined) return false;
  assert.ok(!(reference instanceof Error), `${label}: the fast path accepted what saxes rejects (${reference})`);
  assert.deepStrictEqual(fast, reference, `${label}: the trees differ`);
  return true;
}

describe('fast XML path', () => {
  it('builds the same tree as saxes for every one of our fixtures, and handles them all itself', () => {
    assert.ok(own.length >= 30);
    for (const file of own) {
      const text = readFileSync(file, 'utf8');
      if (saxes(text) instanceof Error) continue;
      assert.ok(agrees(text, file), `${file}: the fast path gave up on a plain fixture`);
    }
  });

  it('builds the same tree as saxes for the real captures and samples', { skip: SHARED_MISSING }, () => {
    let handled = 0;
    for (const file of shared) if (agrees(readFileSync(file, 'utf8'), file)) handled++;
    // Every real Windows capture is plain XML; only documentation samples with odd constructs may defer.
    assert.ok(handled >= shared.length - 3, `fast path handled ${handled} of ${shared.length}`);
  });

  const plain: Array<[string, string]> = [
    ['entities', '<a>x &lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x1F600; y</a>'],
    [
      'attributes',
      `<a k="1" l='2' m = "a&amp;b" n="tab\there
nl" o="&#10;"/>`,
    ],
    ['namespaces', '<r xmlns="urn:a" xmlns:p="urn:p"><p:x p:y="1" z="2"><q:u/></p:x><s xmlns="urn:s"/></r>'],
    ['cdata and comments', '<a>one<!-- c -->two<![CDATA[<raw> & ]]>three<![CDATA[]]><b/>four</a>'],
    ['positions', '<a>\n  <b>\n\n    <c  x="1"\n y="2" />t</b  >\n</a>\n'],
    ['declaration', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!-- lead -->\n<a/>\n<!-- tail -->\n'],
    ['single quotes declaration', "<?xml version='1.0'?><a></a>"],
    ['text with > and ]', '<a>a > b ] c ]] d</a>'],
    ['non-ASCII text', '<a x="é">ünïcødé € ẞ</a>'],
  ];
  for (const [name, text] of plain) {
    it(`handles ${name} itself, exactly as saxes does`, () => {
      assert.ok(agrees(text, name), `the fast path gave up on ${name}`);
    });
  }

  const rejected: Array<[string, string]> = [
    ['a DOCTYPE', '<!DOCTYPE a><a/>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>x'],
    ['text before the root', 'x<a/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['attributes without space', '<a x="1"y="2"/>'],
    ['< in an attribute', '<a x="<"/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a bare ampersand', '<a>a & b</a>'],
    ['a NUL reference', '<a>&#0;</a>'],
    [']]> in text', '<a>x]]>y</a>'],
    ['-- in a comment', '<a><!-- a -- b --></a>'],
    ['a comment ending in -', '<a><!-- a ---></a>'],
    ['a control character', '<a>\u0001</a>'],
    ['a bad declaration', '<?xml version="2.0"?><a/>'],
    ['a late declaration', '<a><?xml version="1.0"?></a>'],
    ['an empty document', '   '],
  ];
  for (const [name, text] of rejected) {
    it(`leaves ${name} to saxes, which rejects it`, () => {
      assert.equal(parseXmlFast(text, DEFAULT_XML_LIMITS), undefined);
      assert.throws(() => parseXml(text));
    });
  }

  it('leaves the limits to saxes, so their errors are the usual ones', () => {
    const deep = `${'<a>'.repeat(5)}${'</a>'.repeat(5)}`;
    assert.equal(parseXmlFast(deep, { ...DEFAULT_XML_LIMITS, maxDepth: 4 }), undefined);
    assert.throws(() => parseXml(deep, { maxDepth: 4 }), { code: 'XML_TOO_DEEP' });
    const wide = `<r>${'<a/>'.repeat(5)}</r>`;
    assert.equal(parseXmlFast(wide, { ...DEFAULT_XML_LIMITS, maxElements: 5 }), undefined);
    assert.throws(() => parseXml(wide, { maxElements: 5 }), { code: 'XML_TOO_MANY_NODES' });
  });

  it('agrees with saxes on thousands of mutations of the fixtures', () => {
    const random = seededRandom(0x5eed);
    const pieces = [
      '<',
      '>',
      '/',
      '&',
      ';',
      '"',
      "'",
      '=',
      '!',
      '-',
      '[',
      ']',
      '?',
      ':',
      ' ',
      '\n',
      '\t',
      '\r',
      'a',
      'é',
      '\u0000',
      '\u{1F600}',
      '&amp;',
      '&#x0;',
      '&#65;',
      '&#xD800;',
      ']]>',
      '<!--',
      '-->',
      '<![CDATA[',
      '<!DOCTYPE a>',
      '<?xml version="1.0"?>',
      ' x="1"',
      'xmlns:p="urn:p"',
      '<p:a/>',
      '</a>',
      '<a>',
      '<b/>',
    ];
    const corpus = [...own, ...shared].map((f) => readFileSync(f, 'utf8')).filter((t) => t.length < 20_000);
    let accepted = 0;
    let runs = 0;
    for (const text of corpus) {
      for (let k = 0; k < 120; k++) {
        let t = text;
        for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
          const at = Math.floor(random() * (t.length + 1));
          const piece = pieces[Math.floor(random() * pieces.length)] as string;
          const op = random();
          if (op < 0.4) t = t.slice(0, at) + piece + t.slice(at);
          else if (op < 0.7) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(random() * 4));
          else t = t.slice(0, at) + piece + t.slice(at + piece.length);
        }
        runs++;
        if (agrees(t, `mutation ${runs}`)) accepted++;
      }
    }
    // Most single edits break well-formedness, but a good share must survive, or the property was never exercised.
    assert.ok(accepted > runs / 10, `only ${accepted} of ${runs} mutations reached the comparison`);
  });
});
