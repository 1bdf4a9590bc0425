import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AlertCode,
  AlertType,
  alert,
  alertType,
  buildSyncML,
  cmdIdSequence,
  describeAlert,
  describeStatus,
  isSuccessStatus,
  itemStatuses,
  md5Challenge,
  parseSyncML,
  parseSyncMLTolerant,
  type ReplaceCommand,
  replyHeader,
  resultsFor,
  StatusCode,
  type SyncMLMessage,
  sourceItem,
  statusFor,
  statusForHeader,
  targetItem,
  typedAlert,
} from '../../../src/protocol/syncml/index.ts';
import { assertRoundTrip, nth, ownFixture, wrapBody } from './helpers.ts';

describe('syncml codes', () => {
  it('names the codes Windows uses, with meanings', () => {
    assert.equal(StatusCode.CHUNKED_ITEM_ACCEPTED, 213);
    assert.equal(StatusCode.ATOMIC_ROLLBACK_FAILED, 516);
    for (const code of [
      200, 202, 212, 213, 214, 215, 216, 400, 401, 403, 404, 405, 406, 407, 415, 418, 424, 425, 500, 507, 516,
    ]) {
      assert.doesNotMatch(describeStatus(code), /^(Unassigned|Not a)/, String(code));
    }
    assert.match(describeStatus(424), /Size mismatch/);
    assert.match(describeStatus(299), /^Unassigned success code 299/);
    assert.match(describeStatus(42), /^Not a SyncML status code/);
    assert.ok(isSuccessStatus(202) && !isSuccessStatus(404));
  });

  it('alert codes and the Windows 1224/1226 Type strings', () => {
    assert.deepEqual(
      [
        AlertCode.SERVER_INITIATED_MGMT,
        AlertCode.CLIENT_INITIATED_MGMT,
        AlertCode.NEXT_MESSAGE,
        AlertCode.SESSION_ABORT,
      ],
      [1200, 1201, 1222, 1223],
    );
    assert.deepEqual([AlertCode.CLIENT_EVENT, AlertCode.NO_END_OF_DATA, AlertCode.GENERIC_ALERT], [1224, 1225, 1226]);
    assert.match(describeAlert(1226), /Generic alert/);
    assert.match(describeAlert(4242), /Unknown/);
    assert.equal(AlertType.DECLARED_CONFIGURATION_DOCUMENTS, 'com.microsoft.mdm.declaredconfigurationdocuments');
    assert.equal(AlertType.REQUEST_PENDING, 'Reversed-Domain-Name:com.microsoft.mdm.requestpending');
  });
});

describe('syncml replies', () => {
  it('cmdIdSequence counts from 1 as strings', () => {
    const next = cmdIdSequence();
    assert.deepEqual([next(), next(), next()], ['1', '2', '3']);
    assert.throws(() => cmdIdSequence(0), RangeError);
  });

  it('answers package 1 the way a server does: header Status, Status per command, a Get', () => {
    const request = parseSyncML(ownFixture('package1.xml'));
    const next = cmdIdSequence();
    const reply: SyncMLMessage = {
      namespace: request.namespace,
      header: replyHeader(request.header, '1'),
      commands: [
        statusForHeader(request.header, next(), StatusCode.MISSING_CREDENTIALS, { chal: md5Challenge('bm9uY2U=') }),
        ...request.commands.map((c) => statusFor(request.header.msgId, c, next(), StatusCode.OK)),
        { kind: 'Get', cmdId: next(), items: [targetItem('./DevDetail/SwV')] },
      ],
      final: true,
    };
    assert.deepEqual(reply.header.target, { locUri: '5F0A7C2E9B4D41E8A3C6D2B1E0F97A64' });
    assert.deepEqual(reply.header.source, { locUri: 'https://windc.example.org/omadm' });
    assert.equal(reply.header.sessionId, '7');
    const back = parseSyncML(buildSyncML(reply));
    assert.deepEqual(back, reply);
    assert.deepEqual(
      back.commands.map((c) =>
        c.kind === 'Status' ? `${c.cmdId}>${c.msgRef}/${c.cmdRef}:${c.cmd}=${c.code}` : c.kind,
      ),
      ['1>1/0:SyncHdr=407', '2>1/2:Alert=200', '3>1/3:Alert=200', '4>1/4:Alert=200', '5>1/5:Replace=200', 'Get'],
    );
    assert.deepEqual(nth(back, 0, 'Status').chal?.meta, {
      format: 'b64',
      type: 'syncml:auth-md5',
      nextNonce: 'bm9uY2U=',
    });
  });

  it('a command that failed to decode is answered by name and CmdID', () => {
    const parse = parseSyncMLTolerant(wrapBody('<Sync><CmdID>9</CmdID></Sync>'));
    const failure = parse.failures[0];
    assert.ok(failure?.cmdId !== undefined);
    const s = statusFor('1', { cmd: failure.cmd, cmdId: failure.cmdId }, '2', failure.error.syncmlStatus);
    assert.deepEqual([s.cmd, s.cmdRef, s.code], ['Sync', '9', 400]);
  });

  it('itemStatuses: one Status when codes agree, else one per Item with TargetRef or SourceRef', () => {
    const replace: ReplaceCommand = {
      kind: 'Replace',
      cmdId: '5',
      items: [targetItem('./a', '1'), targetItem('./b', '2'), sourceItem('./c', '3')],
    };
    const same = itemStatuses('2', replace, [200, 200, 200], cmdIdSequence(4));
    assert.deepEqual(
      same.map((s) => [s.cmdId, s.cmdRef, s.targetRefs, s.code]),
      [['4', '5', [], 200]],
    );
    const mixed = itemStatuses('2', replace, [200, 404, 405], cmdIdSequence(4));
    assert.deepEqual(
      mixed.map((s) => [s.cmdId, s.targetRefs, s.sourceRefs, s.code]),
      [
        ['4', ['./a'], [], 200],
        ['5', ['./b'], [], 404],
        ['6', [], ['./c'], 405],
      ],
    );
    assert.throws(() => itemStatuses('2', replace, [200], cmdIdSequence()), RangeError);
  });

  it('resultsFor shapes Results like native Windows (no Cmd, Items with Source)', () => {
    const r = resultsFor('3', { cmdId: '6' }, '7', [sourceItem('./DevDetail/LrgObj', 'false', { format: 'bool' })]);
    assert.deepEqual(r, {
      kind: 'Results',
      cmdId: '7',
      msgRef: '3',
      cmdRef: '6',
      items: [{ source: { locUri: './DevDetail/LrgObj' }, data: 'false', meta: { format: 'bool' } }],
    });
  });

  it('typed alerts carry their Type in the first Item', () => {
    const a = typedAlert('4', AlertCode.GENERIC_ALERT, AlertType.UNENROLLMENT_USER_REQUEST, '1', {
      format: 'int',
      mark: 'critical',
    });
    assert.equal(alertType(a), AlertType.UNENROLLMENT_USER_REQUEST);
    assert.deepEqual(a.items[0]?.meta, { format: 'int', mark: 'critical', type: AlertType.UNENROLLMENT_USER_REQUEST });
    assert.equal(alertType(alert('2', AlertCode.CLIENT_INITIATED_MGMT)), undefined);
    const m: SyncMLMessage = {
      namespace: 'SYNCML:SYNCML1.2',
      header: replyHeader(parseSyncML(ownFixture('status-chal.xml')).header, '2'),
      commands: [alert('2', AlertCode.CLIENT_INITIATED_MGMT), a],
      final: true,
    };
    assertRoundTrip(m);
  });
});
