import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bodyInOrder,
  parseSyncML,
  parseSyncMLCommand,
  parseSyncMLTolerant,
  SyncMLError,
} from '../../../src/protocol/syncml/index.ts';
import { codeOf, errorOf, ownFixture, wrapBody } from './helpers.ts';

const item = '<Item><Target><LocURI>./a</LocURI></Target><Data>1</Data></Item>';
const replace = (id: string, inner = item) => `<Replace><CmdID>${id}</CmdID>${inner}</Replace>`;

function syncmlError(fn: () => unknown): SyncMLError {
  const e = errorOf(fn);
  assert.ok(e instanceof SyncMLError, 'the SyncML API only throws SyncMLError');
  return e;
}

describe('syncml errors: XML layer and limits', () => {
  it('malformed XML, empty input and invalid UTF-8 bytes', () => {
    assert.equal(
      codeOf(() => parseSyncML(wrapBody('<Alert><CmdID>2</CmdID>'))),
      'XML_MALFORMED',
    );
    assert.equal(
      codeOf(() => parseSyncML('')),
      'XML_MALFORMED',
    );
    assert.equal(
      codeOf(() => parseSyncML(new Uint8Array([0x3c, 0x61, 0xff, 0x3e]))),
      'XML_MALFORMED',
    );
  });

  it('XML-layer errors come out as SyncMLError with their code, position and cause', () => {
    const e = syncmlError(() => parseSyncML('<SyncML>\n<a></SyncML>'));
    assert.equal(e.code, 'XML_MALFORMED');
    assert.equal(e.position?.line, 2);
    assert.equal(e.message.match(/\(line \d+, column \d+\)/g)?.length, 1, 'the position is not repeated');
    assert.ok(e.cause instanceof Error);
  });

  it('a DOCTYPE is refused before any entity is expanded', () => {
    const text = `<!DOCTYPE SyncML [<!ENTITY x "${'y'.repeat(10)}">]>${wrapBody('')}`;
    assert.equal(
      codeOf(() => parseSyncML(text)),
      'XML_DOCTYPE_FORBIDDEN',
    );
  });

  it('size, depth and element count limits, for strings and bytes', () => {
    const text = ownFixture('package1.xml');
    assert.equal(
      codeOf(() => parseSyncML(text, { maxBytes: 512 })),
      'XML_TOO_LARGE',
    );
    assert.equal(
      codeOf(() => parseSyncML(Buffer.from(text), { maxBytes: 512 })),
      'XML_TOO_LARGE',
    );
    assert.equal(
      codeOf(() => parseSyncML(text, { maxDepth: 4 })),
      'XML_TOO_DEEP',
    );
    assert.equal(
      codeOf(() => parseSyncML(text, { maxElements: 20 })),
      'XML_TOO_MANY_NODES',
    );
  });

  it('Items are counted across the whole message, nested commands included', () => {
    const body = `${replace('2')}<Atomic><CmdID>3</CmdID>${replace('4', item + item)}</Atomic>`;
    assert.doesNotThrow(() => parseSyncML(wrapBody(body), { maxItems: 3 }));
    assert.equal(
      codeOf(() => parseSyncML(wrapBody(body), { maxItems: 2 })),
      'SYNCML_TOO_MANY_ITEMS',
    );
  });

  it('Atomic/Sequence nesting is bounded', () => {
    const nested = `<Atomic><CmdID>2</CmdID><Sequence><CmdID>3</CmdID>${replace('4')}</Sequence></Atomic>`;
    assert.doesNotThrow(() => parseSyncML(wrapBody(nested), { maxNesting: 2 }));
    assert.equal(
      codeOf(() => parseSyncML(wrapBody(nested), { maxNesting: 1 })),
      'SYNCML_TOO_DEEP',
    );
  });
});

describe('syncml errors: envelope and header', () => {
  it('the root must be SyncML', () => {
    assert.equal(
      codeOf(() => parseSyncML('<SyncBody/>')),
      'XML_UNEXPECTED_ROOT',
    );
  });

  it('unknown namespace, missing namespace, VerDTD and VerProto are unsupported versions', () => {
    assert.equal(
      codeOf(() => parseSyncML(wrapBody('', 'SYNCML:SYNCML1.0'))),
      'SYNCML_UNSUPPORTED_VERSION',
    );
    assert.equal(
      codeOf(() => parseSyncML(wrapBody('').replace(/ xmlns="[^"]*"/, ''))),
      'SYNCML_UNSUPPORTED_VERSION',
    );
    const dtd = syncmlError(() => parseSyncML(wrapBody('').replace('<VerDTD>1.2', '<VerDTD>1.0')));
    assert.equal(dtd.code, 'SYNCML_UNSUPPORTED_VERSION');
    assert.equal(dtd.syncmlStatus, 505);
    assert.equal(
      codeOf(() => parseSyncML(wrapBody('').replace('DM/1.2', 'DS/1.2'))),
      'SYNCML_UNSUPPORTED_VERSION',
    );
  });

  it('a rejected header still yields the fields a reply needs', () => {
    const e = syncmlError(() => parseSyncML(wrapBody('', 'SYNCML:SYNCML1.0')));
    assert.equal(e.context.header, undefined);
    assert.equal(e.context.partialHeader?.msgId, '1');
    assert.equal(e.context.partialHeader?.sessionId, '1');
    assert.deepEqual(e.context.partialHeader?.source, { locUri: 'DEV1' });
    const noMsgId = syncmlError(() => parseSyncML(wrapBody('').replace('<MsgID>1</MsgID>', '')));
    assert.equal(noMsgId.code, 'SYNCML_MISSING_ELEMENT');
    assert.match(noMsgId.message, /<SyncHdr> has no <MsgID>/);
    assert.equal(noMsgId.context.partialHeader?.sessionId, '1');
  });

  it('SyncHdr and SyncBody are required and single', () => {
    assert.equal(
      codeOf(() => parseSyncML('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody/></SyncML>')),
      'SYNCML_MISSING_ELEMENT',
    );
    const noBody = wrapBody('').replace('<SyncBody></SyncBody>', '');
    assert.equal(
      codeOf(() => parseSyncML(noBody)),
      'SYNCML_MISSING_ELEMENT',
    );
    const twoBodies = wrapBody('').replace('</SyncML>', '<SyncBody/></SyncML>');
    assert.equal(
      codeOf(() => parseSyncML(twoBodies)),
      'SYNCML_UNEXPECTED_ELEMENT',
    );
  });

  it('header fields: duplicates, unknown elements, Cred without Data, Target without LocURI', () => {
    const dup = wrapBody('').replace('<MsgID>1</MsgID>', '<MsgID>1</MsgID><MsgID>2</MsgID>');
    assert.equal(
      codeOf(() => parseSyncML(dup)),
      'SYNCML_UNEXPECTED_ELEMENT',
    );
    const unknown = wrapBody('').replace('</SyncHdr>', '<Correlator>1</Correlator></SyncHdr>');
    assert.equal(
      codeOf(() => parseSyncML(unknown)),
      'SYNCML_UNEXPECTED_ELEMENT',
    );
    const cred = wrapBody('').replace('</SyncHdr>', '<Cred><Meta/></Cred></SyncHdr>');
    assert.equal(
      codeOf(() => parseSyncML(cred)),
      'SYNCML_MISSING_ELEMENT',
    );
    const target = wrapBody('').replace('<LocURI>https://s.example/dm</LocURI>', '<LocName>x</LocName>');
    assert.equal(
      codeOf(() => parseSyncML(target)),
      'SYNCML_MISSING_ELEMENT',
    );
  });

  it('stray text between SyncML structure elements is refused', () => {
    assert.equal(
      codeOf(() => parseSyncML(wrapBody('hello'))),
      'SYNCML_BAD_VALUE',
    );
    assert.equal(
      codeOf(() => parseSyncML(wrapBody('').replace('<SyncHdr>', 'x<SyncHdr>'))),
      'SYNCML_BAD_VALUE',
    );
  });
});

describe('syncml errors: commands', () => {
  const cases: Array<[string, string, string]> = [
    ['unknown command', '<Sync><CmdID>2</CmdID></Sync>', 'SYNCML_UNKNOWN_COMMAND'],
    ['DS-only Map', '<Map><CmdID>2</CmdID></Map>', 'SYNCML_UNKNOWN_COMMAND'],
    [
      'command in a foreign namespace',
      `<Replace xmlns="urn:x"><CmdID>2</CmdID>${item}</Replace>`,
      'SYNCML_UNKNOWN_COMMAND',
    ],
    ['missing CmdID', `<Replace>${item}</Replace>`, 'SYNCML_MISSING_ELEMENT'],
    ['empty CmdID', replace(' '), 'SYNCML_BAD_VALUE'],
    ['CmdID 0', replace('0'), 'SYNCML_BAD_VALUE'],
    ['repeated CmdID', replace('2') + replace('2'), 'SYNCML_BAD_VALUE'],
    ['Replace without Item', replace('2', ''), 'SYNCML_MISSING_ELEMENT'],
    ['Lang outside Get', replace('2', `<Lang>en</Lang>${item}`), 'SYNCML_UNEXPECTED_ELEMENT'],
    ['Exec with two Items', `<Exec><CmdID>2</CmdID>${item}${item}</Exec>`, 'SYNCML_UNEXPECTED_ELEMENT'],
    ['Exec without Item', '<Exec><CmdID>2</CmdID></Exec>', 'SYNCML_MISSING_ELEMENT'],
    ['Alert without code', '<Alert><CmdID>2</CmdID></Alert>', 'SYNCML_MISSING_ELEMENT'],
    ['non-numeric alert code', '<Alert><CmdID>2</CmdID><Data>12o1</Data></Alert>', 'SYNCML_BAD_VALUE'],
    ['five-digit alert code', '<Alert><CmdID>2</CmdID><Data>12010</Data></Alert>', 'SYNCML_BAD_VALUE'],
    ['empty Atomic', '<Atomic><CmdID>2</CmdID></Atomic>', 'SYNCML_MISSING_ELEMENT'],
    ['Status inside Atomic', '<Atomic><CmdID>2</CmdID><Status/></Atomic>', 'SYNCML_UNEXPECTED_ELEMENT'],
    ['Item directly in Sequence', `<Sequence><CmdID>2</CmdID>${item}</Sequence>`, 'SYNCML_UNEXPECTED_ELEMENT'],
    [
      'Status without Cmd',
      '<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Data>200</Data></Status>',
      'SYNCML_MISSING_ELEMENT',
    ],
    [
      'two-digit status',
      '<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>42</Data></Status>',
      'SYNCML_BAD_VALUE',
    ],
    [
      'Chal without Meta',
      '<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Chal/><Data>401</Data></Status>',
      'SYNCML_MISSING_ELEMENT',
    ],
    ['Results without Item', '<Results><CmdID>2</CmdID><CmdRef>5</CmdRef></Results>', 'SYNCML_MISSING_ELEMENT'],
    [
      'Results with two TargetRef',
      `<Results><CmdID>2</CmdID><CmdRef>5</CmdRef><TargetRef>a</TargetRef><TargetRef>b</TargetRef>${item}</Results>`,
      'SYNCML_UNEXPECTED_ELEMENT',
    ],
    [
      'unknown Item child',
      replace('2', '<Item><TargetParent><LocURI>./a</LocURI></TargetParent></Item>'),
      'SYNCML_UNEXPECTED_ELEMENT',
    ],
    ['two Data in an Item', replace('2', '<Item><Data>1</Data><Data>2</Data></Item>'), 'SYNCML_UNEXPECTED_ELEMENT'],
    ['text in an Item', replace('2', '<Item>junk<Data>1</Data></Item>'), 'SYNCML_BAD_VALUE'],
    ['LocURI holding markup', replace('2', '<Item><Target><LocURI><b/></LocURI></Target></Item>'), 'SYNCML_BAD_VALUE'],
    ['empty LocURI', replace('2', '<Item><Target><LocURI> </LocURI></Target></Item>'), 'SYNCML_BAD_VALUE'],
    [
      'negative Meta Size',
      replace('2', '<Item><Meta><Size xmlns="syncml:metinf">-1</Size></Meta></Item>'),
      'SYNCML_BAD_VALUE',
    ],
    [
      'hex MaxObjSize',
      replace('2', '<Item><Meta><MaxObjSize xmlns="syncml:metinf">0x10</MaxObjSize></Meta></Item>'),
      'SYNCML_BAD_VALUE',
    ],
    [
      'unknown Meta child',
      replace('2', '<Item><Meta><Anchor xmlns="syncml:metinf"/></Meta></Item>'),
      'SYNCML_UNEXPECTED_ELEMENT',
    ],
    ['MoreData with content', replace('2', '<Item><Data>1</Data><MoreData>yes</MoreData></Item>'), 'SYNCML_BAD_VALUE'],
    ['second Final', '<Final/><Final/>', 'SYNCML_UNEXPECTED_ELEMENT'],
  ];
  for (const [name, body, code] of cases) {
    it(`${name} → ${code}`, () => {
      assert.equal(
        codeOf(() => parseSyncML(wrapBody(body))),
        code,
      );
    });
  }

  it('a body error names the command and carries the decoded header', () => {
    const e = syncmlError(() => parseSyncML(wrapBody(replace('4', ''))));
    assert.equal(e.code, 'SYNCML_MISSING_ELEMENT');
    assert.deepEqual(e.context.commandPath, [{ cmd: 'Replace', cmdId: '4' }]);
    assert.deepEqual(e.command, { cmd: 'Replace', cmdId: '4' });
    assert.equal(e.context.header?.msgId, '1');
    assert.equal(e.position?.line, 1);
    assert.ok((e.position?.column ?? 0) > 1);
    assert.equal(e.syncmlStatus, 400);
  });

  it('a nested failure reports the whole path, outermost first', () => {
    const body = `<Atomic><CmdID>2</CmdID><Sequence><CmdID>3</CmdID>${replace('5', '<Item><Data/><Data/></Item>')}</Sequence></Atomic>`;
    const e = syncmlError(() => parseSyncML(wrapBody(body)));
    assert.deepEqual(e.context.commandPath, [
      { cmd: 'Atomic', cmdId: '2' },
      { cmd: 'Sequence', cmdId: '3' },
      { cmd: 'Replace', cmdId: '5' },
    ]);
    assert.deepEqual(e.command, { cmd: 'Atomic', cmdId: '2' });
  });

  it('a command without a readable CmdID is named without one', () => {
    const e = syncmlError(() => parseSyncML(wrapBody(`<Replace><CmdID><x/></CmdID>${item}</Replace>`)));
    assert.deepEqual(e.context.commandPath, [{ cmd: 'Replace' }]);
  });

  it('a lone command parses with the same rules', () => {
    assert.equal(
      codeOf(() => parseSyncMLCommand('<Alert><CmdID>1</CmdID></Alert>')),
      'SYNCML_MISSING_ELEMENT',
    );
    assert.equal(
      codeOf(() => parseSyncMLCommand('<Final/>')),
      'SYNCML_UNKNOWN_COMMAND',
    );
  });
});

describe('syncml tolerant parse', () => {
  const body =
    '<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>' +
    replace('3', '') +
    '<Sync><CmdID>4</CmdID></Sync>' +
    `<Get><CmdID>5</CmdID>${item}</Get>` +
    `<Replace>${item}</Replace>` +
    '<Final/>';

  it('keeps the good commands and places each failure where it was', () => {
    const parse = parseSyncMLTolerant(wrapBody(body));
    assert.deepEqual(
      parse.message.commands.map((c) => `${c.kind}:${c.cmdId}`),
      ['Alert:2', 'Get:5'],
    );
    assert.deepEqual(
      parse.failures.map((f) => [f.index, f.cmd, f.cmdId, f.error.code]),
      [
        [1, 'Replace', '3', 'SYNCML_MISSING_ELEMENT'],
        [2, 'Sync', '4', 'SYNCML_UNKNOWN_COMMAND'],
        [4, 'Replace', undefined, 'SYNCML_MISSING_ELEMENT'],
      ],
    );
    assert.equal(parse.failures[0]?.error.context.header?.sessionId, '1');
    assert.equal(parse.message.final, true);
    assert.deepEqual(
      bodyInOrder(parse).map((e) => (e.kind === 'Invalid' ? `!${e.cmd}` : e.kind)),
      ['Alert', '!Replace', '!Sync', 'Get', '!Replace'],
    );
  });

  it('still throws for whole-message failures', () => {
    assert.equal(
      codeOf(() => parseSyncMLTolerant(wrapBody(body, 'SYNCML:SYNCML1.0'))),
      'SYNCML_UNSUPPORTED_VERSION',
    );
    assert.equal(
      codeOf(() => parseSyncMLTolerant(wrapBody(body), { maxItems: 1 })),
      'SYNCML_TOO_MANY_ITEMS',
    );
    assert.equal(
      codeOf(() => parseSyncMLTolerant(wrapBody(`${body}x`))),
      'SYNCML_BAD_VALUE',
    );
    assert.equal(
      codeOf(() => parseSyncMLTolerant(wrapBody('<Final/><Final/>'))),
      'SYNCML_UNEXPECTED_ELEMENT',
    );
  });

  it('equals the strict parse on a valid message', () => {
    const text = ownFixture('atomic-nested.xml');
    const parse = parseSyncMLTolerant(text);
    assert.deepEqual(parse.failures, []);
    assert.deepEqual(parse.message, parseSyncML(text));
  });
});
