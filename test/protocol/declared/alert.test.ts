import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildSummary,
  type DeclaredConfigurationsSummary,
  parseDocument,
  parseResult,
  parseSummary,
  stateOutcome,
} from '../../../src/protocol/declared/index.ts';
import { codeOf, errorOf, fixture } from './support.ts';

describe('1224 declaredconfigurationdocuments summary', () => {
  const text = fixture('alert-summary.xml');

  it('reads every document with its state, result checksum and abandonment', () => {
    const s = parseSummary(text);
    assert.equal(s.schema, '1.0');
    assert.deepEqual(
      s.documents.map((d) => [
        d.context,
        d.id.slice(0, 8),
        d.state,
        stateOutcome(d.state),
        d.resultChecksum !== undefined,
        d.abandoned,
      ]),
      [
        ['Device', 'EF046312', 60, 'success', true, undefined],
        ['Device', '941E7542', 80, 'success', true, undefined],
        ['Device', 'A54E0A4D', 61, 'error', true, undefined],
        ['User', 'E8D61495', 2, 'pending', false, undefined],
        ['Device', 'BA274C34', 63, 'success', true, true],
        ['Device', '1F84DE7F', 72, 'infra-error', true, undefined],
      ],
    );
  });

  it('agrees with the documents and results it summarises', () => {
    const s = parseSummary(text);
    const pairs: Array<[string, string]> = [
      ['dsc-config-document.xml', 'dsc-config-result.xml'],
      ['dsc-inventory-document.xml', 'dsc-inventory-result.xml'],
      ['csp-wifi-document.xml', 'csp-wifi-result.xml'],
    ];
    pairs.forEach(([docName, resultName], i) => {
      const doc = parseDocument(fixture(docName));
      const result = parseResult(fixture(resultName));
      const entry = s.documents[i];
      assert.equal(entry?.id, doc.id);
      assert.equal(entry?.checksum, doc.checksum);
      assert.equal(entry?.resultChecksum, result.resultChecksum);
      assert.equal(entry?.state, result.state);
    });
  });

  it('parse(build(x)) equals x', () => {
    const s = parseSummary(text);
    assert.deepEqual(parseSummary(buildSummary(s)), s);
  });

  it('reads the Data with the whitespace a pretty-printed <Data> leaves around it', () => {
    assert.deepEqual(parseSummary(`\n          ${text}\n        `), parseSummary(text));
  });

  it('takes an entry written with an end tag and whitespace inside', () => {
    const s = parseSummary(
      '<DeclaredConfigurations schema="1.0">\n  <DeclaredConfiguration context="Device" id="BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D" checksum="A" state="1">\n  </DeclaredConfiguration>\n</DeclaredConfigurations>',
    );
    assert.equal(s.documents[0]?.state, 1);
  });

  it('builds an empty summary', () => {
    const empty: DeclaredConfigurationsSummary = { schema: '1.0', documents: [] };
    assert.equal(buildSummary(empty), '<DeclaredConfigurations schema="1.0"/>');
    assert.deepEqual(parseSummary(buildSummary(empty)), empty);
  });

  it('writes abandoned as 1 or 0 only when known', () => {
    const one = (abandoned?: boolean) =>
      buildSummary({
        schema: '1.0',
        documents: [
          { context: 'Device', id: 'BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D', checksum: 'A', state: 60, abandoned },
        ],
      });
    assert.match(one(true), /abandoned="1"/);
    assert.match(one(false), /abandoned="0"/);
    assert.doesNotMatch(one(undefined), /abandoned/);
  });

  const entry = (attrs: string) =>
    `<DeclaredConfigurations schema="1.0"><DeclaredConfiguration ${attrs}/></DeclaredConfigurations>`;
  const ok = 'context="Device" id="BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D" checksum="A"';
  const cases: Array<[string, string, string, RegExp]> = [
    ['another root', '<DeclaredConfiguration/>', 'DC_BAD_ALERT', /root element/],
    ['no schema', '<DeclaredConfigurations/>', 'DC_BAD_ALERT', /no schema/],
    ['schema 1.1', '<DeclaredConfigurations schema="1.1"/>', 'DC_BAD_ALERT', /not 1.0/],
    [
      'another child',
      '<DeclaredConfigurations schema="1.0"><Document/></DeclaredConfigurations>',
      'DC_BAD_ALERT',
      /not a document summary/,
    ],
    [
      'an entry with content',
      `<DeclaredConfigurations schema="1.0"><DeclaredConfiguration ${ok} state="60"><CSP/></DeclaredConfiguration></DeclaredConfigurations>`,
      'DC_BAD_ALERT',
      /empty element/,
    ],
    ['no state', entry(ok), 'DC_BAD_ALERT', /no state/],
    ['state 99', entry(`${ok} state="99"`), 'DC_BAD_ALERT', /state '99'/],
    [
      'no checksum',
      entry('context="Device" id="BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D" state="60"'),
      'DC_BAD_ALERT',
      /no checksum/,
    ],
    [
      'an id that is not a GUID',
      entry('context="Device" id="doc-1" checksum="A" state="60"'),
      'DC_BAD_ID',
      /not a GUID/,
    ],
    [
      'context Machine',
      entry('context="Machine" id="BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D" checksum="A" state="60"'),
      'DC_BAD_CONTEXT',
      /neither/,
    ],
  ];
  for (const [what, bad, code, message] of cases) {
    it(`refuses ${what} with ${code}`, () => {
      const e = errorOf(() => parseSummary(bad));
      assert.equal(e.code, code);
      assert.match(e.message, message);
    });
  }

  it('refuses to build an entry that would not parse', () => {
    const build = (d: object) => () => buildSummary({ schema: '1.0', documents: [d as never] });
    assert.equal(codeOf(build({ context: 'Device', id: 'x', checksum: 'A', state: 60 })), 'DC_BAD_ID');
    assert.equal(
      codeOf(build({ context: 'Device', id: 'BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D', checksum: '', state: 60 })),
      'DC_BAD_ALERT',
    );
    assert.equal(
      codeOf(build({ context: 'Device', id: 'BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D', checksum: 'A', state: 64 })),
      'DC_BAD_ALERT',
    );
  });
});
