import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseSummary } from '../../src/protocol/declared/index.ts';
import {
  buildSyncML,
  cmdIdSequence,
  parseSyncML,
  replyHeader,
  type SyncMLMessage,
  statusForHeader,
} from '../../src/protocol/syncml/index.ts';
import { fixture, type Harness, harness, settle } from './support.ts';

const FILE_ID = '5D1E0C5A-8E0B-4F0B-9C55-1A2B3C4D5E6F';

/** What the networking half does with one server message: Status for SyncHdr, the replies, the alerts. */
function clientReply(h: Harness, serverXml: string): SyncMLMessage {
  const server = parseSyncML(serverXml);
  const next = cmdIdSequence(1);
  const header = statusForHeader(server.header, next());
  const { replies } = h.ep.handleCommands(server.commands, { msgRef: server.header.msgId, nextCmdId: next });
  const alerts = h.ep.clientAlerts(next);
  return {
    namespace: 'SYNCML:SYNCML1.2',
    header: replyHeader(server.header, String(Number(server.header.msgId) + 1)),
    commands: [header, ...replies, ...alerts],
    final: true,
  };
}

describe('the device behind the SyncML codec', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.cleanup());

  it('a server message with a CDATA document and a multi-Item Get round-trips into a well-formed client message', async () => {
    const doc = await fixture('file-config.xml');
    const server =
      '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>' +
      '<SessionID>3</SessionID><MsgID>1</MsgID><Target><LocURI>DEVICE</LocURI></Target>' +
      '<Source><LocURI>https://windc.test/omadm</LocURI></Source></SyncHdr><SyncBody>' +
      '<Replace><CmdID>2</CmdID><Item><Meta><Format xmlns="syncml:metinf">chr</Format></Meta><Target><LocURI>' +
      `./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${FILE_ID}/Document</LocURI></Target>` +
      `<Data><![CDATA[${doc}]]></Data></Item></Replace>` +
      '<Get><CmdID>3</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item>' +
      '<Item><Target><LocURI>./Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval</LocURI></Target></Item>' +
      '<Item><Target><LocURI>./Device/Vendor/MSFT/NoSuch/Node</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>';
    const reply = clientReply(h, server);
    const wire = buildSyncML(reply);
    const back = parseSyncML(wire);
    assert.deepEqual(
      back.commands.map((c) => `${c.kind}:${c.cmdId}`),
      ['Status:1', 'Status:2', 'Status:3', 'Status:4', 'Status:5', 'Results:6', 'Alert:7'],
    );
    const alert = back.commands.at(-1);
    assert.equal(alert?.kind, 'Alert');
    if (alert?.kind !== 'Alert') return;
    assert.equal(parseSummary(alert.items[0]?.data ?? '').documents[0]?.state, 1);
    assert.match(wire, /<Data><DeclaredConfigurations schema="1.0">/);
    await settle(h);
  });

  it('a result document travels entity-escaped, without Meta (chr), and parses back equal', async () => {
    const doc = await fixture('file-config.xml');
    const head =
      '<SyncML xmlns="SYNCML:SYNCML1.1"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>' +
      '<SessionID>4</SessionID><MsgID>1</MsgID><Target><LocURI>DEVICE</LocURI></Target>' +
      '<Source><LocURI>https://windc.test/omadm</LocURI></Source></SyncHdr><SyncBody>';
    const esc = doc.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    clientReply(
      h,
      `${head}<Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${FILE_ID}/Document</LocURI></Target><Data>${esc}</Data></Item></Add><Final/></SyncBody></SyncML>`,
    );
    await settle(h);
    const reply = clientReply(
      h,
      `${head}<Get><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Results/${FILE_ID}/Document</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>`,
    );
    const wire = buildSyncML(reply);
    assert.match(wire, /<Data>&lt;DeclaredConfigurationResult context="Device"/);
    const results = parseSyncML(wire).commands.find((c) => c.kind === 'Results');
    assert.equal(results?.kind === 'Results' ? results.items[0]?.meta : 'none', undefined);
  });
});
