import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildCommand,
  buildSyncML,
  type Item,
  parseSyncML,
  type SyncHdr,
  type SyncMLCommand,
  type SyncMLMessage,
} from '../../../src/protocol/syncml/index.ts';
import { assertRoundTrip, codeOf } from './helpers.ts';

const header: SyncHdr = {
  verDtd: '1.2',
  verProto: 'DM/1.2',
  sessionId: '3',
  msgId: '2',
  target: { locUri: 'DEV' },
  source: { locUri: 'https://s.example/dm' },
};

function message(commands: SyncMLCommand[], extra: Partial<SyncMLMessage> = {}): SyncMLMessage {
  return { namespace: 'SYNCML:SYNCML1.2', header, commands, final: true, ...extra };
}

function replaceWith(item: Item): SyncMLCommand {
  return { kind: 'Replace', cmdId: '2', items: [item] };
}

const M = 'xmlns="syncml:metinf"';

describe('syncml build: element order', () => {
  it('SyncHdr in DTD order, Meta children in MetInf order, each in syncml:metinf', () => {
    const xml = buildSyncML(
      message([], {
        header: {
          ...header,
          source: { locUri: 'https://s.example/dm', locName: 'srv' },
          meta: { maxObjSize: 9, maxMsgSize: 8, nextNonce: 'bg==', size: 4, type: 't', format: 'f', mark: 'm' },
          cred: { data: 'ZGF0YQ==', meta: { type: 'syncml:auth-basic', format: 'b64' } },
          noResp: true,
          respUri: 'https://s.example/dm?x=1',
        },
        final: false,
      }),
    );
    assert.equal(
      xml,
      '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>' +
        '<SessionID>3</SessionID><MsgID>2</MsgID><Target><LocURI>DEV</LocURI></Target>' +
        '<Source><LocURI>https://s.example/dm</LocURI><LocName>srv</LocName></Source>' +
        '<RespURI>https://s.example/dm?x=1</RespURI><NoResp/>' +
        `<Cred><Meta><Format ${M}>b64</Format><Type ${M}>syncml:auth-basic</Type></Meta><Data>ZGF0YQ==</Data></Cred>` +
        `<Meta><Format ${M}>f</Format><Type ${M}>t</Type><Mark ${M}>m</Mark><Size ${M}>4</Size>` +
        `<NextNonce ${M}>bg==</NextNonce><MaxMsgSize ${M}>8</MaxMsgSize><MaxObjSize ${M}>9</MaxObjSize></Meta>` +
        '</SyncHdr><SyncBody></SyncBody></SyncML>',
    );
  });

  it('Meta with typeFirst writes Type before Format, as Windows orders its 1226 alerts, and decodes back', () => {
    const alert: SyncMLCommand = {
      kind: 'Alert',
      cmdId: '4',
      code: 1226,
      items: [{ meta: { type: 't', format: 'int', mark: 'critical', typeFirst: true }, data: '1' }],
    };
    const xml = buildCommand(alert);
    assert.match(
      xml,
      new RegExp(`<Meta><Type ${M}>t</Type><Format ${M}>int</Format><Mark ${M}>critical</Mark></Meta>`),
    );
    assertRoundTrip(message([alert]));
    const plain = parseSyncML(buildSyncML(message([{ ...alert, items: [{ meta: { type: 't', format: 'int' } }] }])));
    assert.deepEqual(plain.commands[0]?.kind === 'Alert' && plain.commands[0].items[0]?.meta, {
      type: 't',
      format: 'int',
    });
  });

  it('Status: CmdID, MsgRef, CmdRef, Cmd, TargetRef*, SourceRef*, Cred, Chal, Data, Item*', () => {
    const xml = buildCommand({
      kind: 'Status',
      items: [{ data: 'why' }],
      code: 401,
      chal: { meta: { nextNonce: 'bm9uY2U=', type: 'syncml:auth-md5', format: 'b64' } },
      sourceRefs: ['S'],
      targetRefs: ['T1', 'T2'],
      cmd: 'SyncHdr',
      cmdRef: '0',
      msgRef: '1',
      cmdId: '1',
    });
    assert.equal(
      xml,
      '<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>' +
        '<TargetRef>T1</TargetRef><TargetRef>T2</TargetRef><SourceRef>S</SourceRef>' +
        `<Chal><Meta><Format ${M}>b64</Format><Type ${M}>syncml:auth-md5</Type><NextNonce ${M}>bm9uY2U=</NextNonce></Meta></Chal>` +
        '<Data>401</Data><Item><Data>why</Data></Item></Status>',
    );
  });

  it('Results puts MS-MDM Cmd after CmdRef; Item is Target, Source, Meta, Data, MoreData', () => {
    const xml = buildCommand({
      kind: 'Results',
      cmdId: '4',
      cmdRef: '3',
      msgRef: '1',
      cmd: 'Get',
      items: [
        { moreData: true, data: 'x', meta: { format: 'chr' }, source: { locUri: './s' }, target: { locUri: './t' } },
      ],
    });
    assert.equal(
      xml,
      '<Results><CmdID>4</CmdID><MsgRef>1</MsgRef><CmdRef>3</CmdRef><Cmd>Get</Cmd><Item><Target><LocURI>./t</LocURI>' +
        `</Target><Source><LocURI>./s</LocURI></Source><Meta><Format ${M}>chr</Format></Meta><Data>x</Data><MoreData/></Item></Results>`,
    );
  });

  it('Get puts Lang before Cred and Meta; Alert writes Meta before its code; Exec its Correlator before the Item', () => {
    const item: Item = { target: { locUri: './n' } };
    assert.equal(
      buildCommand({ kind: 'Get', cmdId: '2', meta: { type: 't' }, lang: 'en', noResp: true, items: [item] }),
      `<Get><CmdID>2</CmdID><NoResp/><Lang>en</Lang><Meta><Type ${M}>t</Type></Meta><Item><Target><LocURI>./n</LocURI></Target></Item></Get>`,
    );
    assert.equal(
      buildCommand({ kind: 'Alert', cmdId: '3', code: 1226, meta: { mark: 'fatal' }, correlator: 'c1', items: [] }),
      `<Alert><CmdID>3</CmdID><Meta><Mark ${M}>fatal</Mark></Meta><Data>1226</Data><Correlator>c1</Correlator></Alert>`,
    );
    assert.equal(
      buildCommand({ kind: 'Exec', cmdId: '4', correlator: 'c2', items: [item] }),
      '<Exec><CmdID>4</CmdID><Correlator>c2</Correlator><Item><Target><LocURI>./n</LocURI></Target></Item></Exec>',
    );
  });

  it('optional XML declaration', () => {
    assert.ok(
      buildSyncML(message([]), { xmlDeclaration: true }).startsWith('<?xml version="1.0" encoding="UTF-8"?><SyncML '),
    );
    assert.ok(buildSyncML(message([])).startsWith('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr>'));
  });
});

describe('syncml build: Data', () => {
  const tricky = 'a<b>&c"\'\n\r\n]]>\t😀 é';

  it('escaped text round-trips every character, CR included', () => {
    const m = message([replaceWith({ data: tricky })]);
    assert.ok(buildSyncML(m).includes('<Data>a&lt;b&gt;&amp;c"\'\n&#13;\n]]&gt;\t😀 é</Data>'));
    assertRoundTrip(m);
  });

  it('CDATA splits around ]]> and CR and still decodes to the same string', () => {
    const m = message([replaceWith({ data: tricky, dataForm: 'cdata' })]);
    assert.ok(buildSyncML(m).includes('<Data><![CDATA[a<b>&c"'));
    assertRoundTrip(m);
    assertRoundTrip(message([replaceWith({ data: '', dataForm: 'cdata' })]));
  });

  it('the builder option sends text containing < as CDATA', () => {
    const m = message([replaceWith({ data: '<x/>' }), { kind: 'Replace', cmdId: '3', items: [{ data: 'plain' }] }]);
    const xml = buildSyncML(m, { cdataForMarkupText: true });
    assert.ok(xml.includes('<Data><![CDATA[<x/>]]></Data>'));
    assert.ok(xml.includes('<Data>plain</Data>'));
    const items = parseSyncML(xml).commands.flatMap((c) => ('items' in c ? c.items : []));
    assert.deepEqual(
      items.map((i) => [i.data, i.dataForm]),
      [
        ['<x/>', 'cdata'],
        ['plain', undefined],
      ],
    );
  });

  it('markup goes out verbatim and comes back identical', () => {
    const data =
      '\n  <DeclaredConfigurations schema="1.0"><DeclaredConfiguration id="a&amp;b" state="60"/></DeclaredConfigurations>\n';
    const m = message([
      { kind: 'Alert', cmdId: '2', code: 1224, items: [{ meta: { type: 't' }, data, dataForm: 'markup' }] },
    ]);
    assert.ok(buildSyncML(m).includes(`<Data>${data}</Data>`));
    assertRoundTrip(m);
  });

  it('markup must be well-formed and hold an element', () => {
    for (const data of ['<a>', '<a></b>', '&nbsp;<a/>', 'just text', '<!DOCTYPE a><a/>']) {
      assert.equal(
        codeOf(() => buildSyncML(message([replaceWith({ data, dataForm: 'markup' })]))),
        'SYNCML_BAD_VALUE',
        data,
      );
    }
  });

  it('empty Data is written as <Data/> and stays an empty string', () => {
    const m = message([replaceWith({ target: { locUri: './x' }, data: '' })]);
    assert.ok(buildSyncML(m).includes('<Data/>'));
    assertRoundTrip(m);
  });

  it('msft attributes declare the prefix on SyncBody and round-trip', () => {
    const m = message([
      {
        kind: 'Status',
        cmdId: '1',
        msgRef: '1',
        cmdRef: '2',
        cmd: 'Replace',
        targetRefs: [],
        sourceRefs: [],
        code: 500,
        msft: { originalerror: '0x86000002' },
        items: [{ data: 'x', msft: { originalerror: '"quoted" & <b>' } }],
      },
    ]);
    const xml = buildSyncML(m);
    assert.ok(xml.includes('<SyncBody xmlns:msft="http://schemas.microsoft.com/MobileDevice/MDM">'));
    assert.ok(xml.includes('<Data msft:originalerror="0x86000002">500</Data>'));
    assert.deepEqual(parseSyncML(xml), { ...m, msftNamespace: true });
    assertRoundTrip({ ...m, msftNamespace: true });
  });

  it('an explicit msftNamespace is declared even when unused', () => {
    assert.ok(buildSyncML(message([], { msftNamespace: true })).includes('<SyncBody xmlns:msft='));
  });
});

describe('syncml build: refuses what would not decode back', () => {
  const status = (code: number): SyncMLCommand => ({
    kind: 'Status',
    cmdId: '1',
    msgRef: '1',
    cmdRef: '0',
    cmd: 'SyncHdr',
    targetRefs: [],
    sourceRefs: [],
    code,
    items: [],
  });
  const cases: Array<[string, SyncMLMessage]> = [
    ['a control character', message([replaceWith({ data: 'a\u0001b' })])],
    ['an unpaired surrogate', message([replaceWith({ data: 'a\ud800b' })])],
    ['U+FFFE', message([replaceWith({ data: '\ufffe' })])],
    ['a padded LocURI', message([replaceWith({ target: { locUri: ' ./x' } })])],
    ['an empty SessionID', message([], { header: { ...header, sessionId: '' } })],
    ['a padded LocName', message([], { header: { ...header, source: { locUri: 'x', locName: 'a ' } } })],
    ['CmdID 0', message([{ kind: 'Alert', cmdId: '0', code: 1201, items: [] }])],
    ['a repeated CmdID', message([replaceWith({}), replaceWith({})])],
    ['a Replace without Items', message([{ kind: 'Replace', cmdId: '2', items: [] }])],
    ['an empty Atomic', message([{ kind: 'Atomic', cmdId: '2', commands: [] }])],
    ['a two-digit status', message([status(42)])],
    ['a fractional size', message([replaceWith({ meta: { size: 1.5 } })])],
    ['a five-digit alert', message([{ kind: 'Alert', cmdId: '2', code: 12000, items: [] }])],
    ['a bad msft attribute name', message([replaceWith({ data: 'x', msft: { 'a b': '1' } })])],
    ['msft attributes without Data', message([replaceWith({ msft: { originalerror: '1' } })])],
  ];
  for (const [name, m] of cases) {
    it(name, () => {
      assert.equal(
        codeOf(() => buildSyncML(m)),
        'SYNCML_BAD_VALUE',
      );
    });
  }

  it('an Exec with two Items (outside the type) is refused', () => {
    const exec = { kind: 'Exec', cmdId: '2', items: [{}, {}] } as unknown as SyncMLCommand;
    assert.equal(
      codeOf(() => buildSyncML(message([exec]))),
      'SYNCML_BAD_VALUE',
    );
  });
});
