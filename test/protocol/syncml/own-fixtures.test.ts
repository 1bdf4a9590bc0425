import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertType, parseSyncML, SYNCML_11, SYNCML_12 } from '../../../src/protocol/syncml/index.ts';
import { assertRoundTrip, kinds, nth, ownFixture } from './helpers.ts';

describe('syncml: hand-written fixtures', () => {
  it('package 1: header, alerts in order, markup summary, DevInfo Replace', () => {
    const m = parseSyncML(ownFixture('package1.xml'));
    assert.equal(m.namespace, SYNCML_12);
    assert.deepEqual(m.header, {
      verDtd: '1.2',
      verProto: 'DM/1.2',
      sessionId: '7',
      msgId: '1',
      target: { locUri: 'https://windc.example.org/omadm' },
      source: { locUri: '5F0A7C2E9B4D41E8A3C6D2B1E0F97A64' },
    });
    assert.deepEqual(kinds(m), ['Alert', 'Alert', 'Alert', 'Replace']);
    assert.deepEqual(
      m.commands.map((c) => c.cmdId),
      ['2', '3', '4', '5'],
    );
    assert.equal(nth(m, 0, 'Alert').code, 1201);
    const login = nth(m, 1, 'Alert');
    assert.equal(login.items[0]?.meta?.type, AlertType.LOGIN_STATUS);
    assert.equal(login.items[0]?.data, 'others');
    const summary = nth(m, 2, 'Alert').items[0];
    assert.equal(summary?.meta?.type, AlertType.DECLARED_CONFIGURATION_DOCUMENTS);
    assert.equal(summary?.dataForm, 'markup');
    assert.match(summary?.data ?? '', /^<DeclaredConfigurations schema="1.0"><DeclaredConfiguration context="Device"/);
    const replace = nth(m, 3, 'Replace');
    assert.deepEqual(
      replace.items.map((i) => [i.source?.locUri, i.data]),
      [
        ['./DevInfo/DevId', '5F0A7C2E9B4D41E8A3C6D2B1E0F97A64'],
        ['./DevInfo/Man', 'Fabrikam & Sons'],
        ['./DevInfo/Mod', 'Bench Unit 3'],
        ['./DevInfo/DmV', '1.3'],
        ['./DevInfo/Lang', 'fr-CA'],
      ],
    );
    assert.equal(m.final, true);
    assertRoundTrip(m);
  });

  it('UTF-8 bytes, with or without a BOM, decode like the text', () => {
    const text = ownFixture('package1.xml');
    const m = parseSyncML(text);
    assert.deepEqual(parseSyncML(Buffer.from(text)), m);
    assert.deepEqual(parseSyncML(new Uint8Array(Buffer.from(`\ufeff${text}`))), m);
  });

  it('multi-item Get answer: per-item Status with TargetRef, one Results, msft namespace', () => {
    const m = parseSyncML(ownFixture('results-multi-item.xml'));
    assert.equal(m.header.source.locName, 'windc-client');
    assert.deepEqual(m.header.cred, {
      meta: { format: 'b64', type: 'syncml:auth-md5' },
      data: 'q1w2e3r4t5y6u7i8o9p0aQ==',
    });
    assert.equal(m.msftNamespace, true);
    assert.deepEqual(kinds(m), ['Status', 'Status', 'Status', 'Status', 'Status', 'Results']);
    const statuses = m.commands.slice(1, 5).map((c) => (c.kind === 'Status' ? [c.cmdRef, c.targetRefs, c.code] : []));
    assert.deepEqual(statuses, [
      ['6', ['./DevDetail/OEM'], 200],
      ['6', ['./DevDetail/Ext/Microsoft/DeviceName'], 200],
      [
        '6',
        [
          './Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Results/0B6D2E4A-8C1F-4E37-9A5B-3D7C1E2F4A60/Document',
        ],
        200,
      ],
      ['6', ['./DevDetail/Ext/Microsoft/NoSuchNode'], 404],
    ]);
    assert.deepEqual(nth(m, 4, 'Status').msft, { originalerror: '0x86000002' });
    const results = nth(m, 5, 'Results');
    assert.equal(results.cmdRef, '6');
    assert.equal(results.msgRef, '1');
    assert.equal(results.items.length, 3);
    const doc = results.items[2];
    assert.equal(doc?.meta?.format, 'xml');
    assert.equal(doc?.dataForm, undefined, 'entity-escaped XML is plain text');
    assert.match(doc?.data ?? '', /^<DeclaredConfigurationResult context="Device"/);
    assert.match(doc?.data ?? '', /\n {2}<CSP name="\.\/Vendor\/MSFT\/Policy" state="60">\n/);
    assertRoundTrip(m);
  });

  it('Atomic holding Add and a Sequence that holds Replace and an inner Atomic', () => {
    const m = parseSyncML(ownFixture('atomic-nested.xml'));
    assert.deepEqual(kinds(m), ['Status', 'Atomic']);
    const atomic = nth(m, 1, 'Atomic');
    assert.equal(atomic.cmdId, '2');
    assert.deepEqual(kinds(atomic), ['Add', 'Sequence']);
    assert.equal(nth(atomic, 0, 'Add').items[0]?.meta?.format, 'int');
    const seq = nth(atomic, 1, 'Sequence');
    assert.deepEqual(kinds(seq), ['Replace', 'Atomic']);
    assert.equal(nth(seq, 0, 'Replace').items[0]?.data, 'dev-4711');
    const inner = nth(seq, 1, 'Atomic');
    assert.equal(inner.noResp, true);
    const del = nth(inner, 0, 'Delete');
    assert.equal(del.cmdId, '7');
    assert.equal(del.items[0]?.target?.locUri, './Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies');
    assert.equal(del.items[0]?.data, undefined);
    assertRoundTrip(m);
  });

  it('Sequence with command-level Meta, multi-item Get, Exec with empty Data, Delete; header Meta', () => {
    const m = parseSyncML(ownFixture('sequence.xml'));
    assert.deepEqual(m.header.meta, { maxMsgSize: 65536, maxObjSize: 4194304 });
    assert.equal(nth(m, 0, 'Status').code, 212);
    const seq = nth(m, 1, 'Sequence');
    assert.deepEqual(seq.meta, { mark: 'high' });
    assert.deepEqual(kinds(seq), ['Get', 'Exec', 'Delete']);
    assert.deepEqual(
      nth(seq, 0, 'Get').items.map((i) => i.target?.locUri),
      ['./DevDetail/SwV', './Vendor/MSFT/DMClient/Provider/WinDCTest/LinkedEnrollment/EnrollStatus'],
    );
    const exec = nth(seq, 1, 'Exec');
    assert.equal(exec.items.length, 1);
    assert.equal(exec.items[0].data, '');
    assert.deepEqual(exec.items[0].meta, { format: 'chr', type: 'text/plain' });
    assertRoundTrip(m);
  });

  it('Status 407 with TargetRef, SourceRef and a Chal carrying NextNonce', () => {
    const m = parseSyncML(ownFixture('status-chal.xml'));
    const hdr = nth(m, 0, 'Status');
    assert.equal(hdr.cmd, 'SyncHdr');
    assert.equal(hdr.cmdRef, '0');
    assert.equal(hdr.code, 407);
    assert.deepEqual(hdr.targetRefs, ['https://windc.example.org/omadm']);
    assert.deepEqual(hdr.sourceRefs, ['5F0A7C2E9B4D41E8A3C6D2B1E0F97A64']);
    assert.deepEqual(hdr.chal, {
      meta: { format: 'b64', type: 'syncml:auth-md5', nextNonce: 'Zm9vYmFyYmF6cXV4MTIzNA==' },
    });
    assert.equal(nth(m, 1, 'Status').cmd, 'Alert');
    assertRoundTrip(m);
  });

  it('SYNCML1.1 namespace with DM/1.1, RespURI, Get Lang, 1222 and no Final', () => {
    const m = parseSyncML(ownFixture('namespace11.xml'));
    assert.equal(m.namespace, SYNCML_11);
    assert.equal(m.header.verProto, 'DM/1.1');
    assert.equal(m.header.sessionId, '2A');
    assert.equal(m.header.respUri, 'https://windc.example.org/omadm?s=2A');
    assert.equal(m.header.source.locName, 'windc');
    assert.equal(nth(m, 1, 'Get').lang, 'en');
    assert.equal(nth(m, 2, 'Alert').code, 1222);
    assert.equal(m.final, false);
    assertRoundTrip(m);
  });

  it('CDATA and entity-escaped Data decode to plain strings; command-level Meta is kept', () => {
    const m = parseSyncML(ownFixture('cdata-data.xml'));
    const doc = nth(m, 1, 'Replace');
    assert.deepEqual(doc.meta, { format: 'chr', type: 'text/plain' });
    const item = doc.items[0];
    assert.equal(item?.dataForm, 'cdata');
    assert.match(item?.data ?? '', /^<DeclaredConfiguration context="Device"/);
    assert.ok(item?.data?.includes('type="chr">a &amp; b</URI>'), 'CDATA content is not entity-decoded');
    const plain = nth(m, 2, 'Replace').items[0];
    assert.equal(plain?.data, '<same & escaped>');
    assert.equal(plain?.dataForm, undefined);
    assertRoundTrip(m);
  });

  it('msft:originalerror on Status Data and Item Data; namespace declared on the root', () => {
    const m = parseSyncML(ownFixture('status-originalerror.xml'));
    assert.equal(m.msftNamespace, true);
    const failed = nth(m, 1, 'Status');
    assert.equal(failed.code, 500);
    assert.deepEqual(failed.msft, { originalerror: '0x8000FFFF' });
    const owned = nth(m, 2, 'Status');
    assert.equal(owned.code, 405);
    assert.deepEqual(owned.items, [
      { data: 'owned by a declared configuration document', msft: { originalerror: '0x86000031' } },
    ]);
    assertRoundTrip(m);
  });

  it('large object chunk: Meta Size on the first chunk and MoreData', () => {
    const m = parseSyncML(ownFixture('large-object-chunk.xml'));
    assert.equal(m.header.meta?.maxMsgSize, 4096);
    const item = nth(m, 1, 'Replace').items[0];
    assert.deepEqual(item?.meta, { format: 'b64', size: 7000 });
    assert.equal(item?.moreData, true);
    assert.equal(m.final, false);
    assertRoundTrip(m);
  });
});
