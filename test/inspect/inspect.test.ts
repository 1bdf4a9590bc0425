import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { type Decoded, decodeInput } from '../../src/inspect/decode.ts';
import { render } from '../../src/inspect/render.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { buildWindowsCsr, windowsCsrCommonName } from '../../src/protocol/mde2/index.ts';
import { SHARED, SHARED_MISSING } from '../support/protocol.ts';

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures');
const fixture = (p: string) => readFileSync(join(fixtures, p), 'utf8');

function windc(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/windc.js'), ...args], { input, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function expectKind<K extends Decoded['kind']>(d: Decoded, kind: K): Extract<Decoded, { kind: K }> {
  assert.equal(d.kind, kind);
  return d as Extract<Decoded, { kind: K }>;
}

describe('windc inspect: decoding', () => {
  it('decodes a SyncML package 1 with commands in order', async () => {
    const d = expectKind(await decodeInput(fixture('syncml/package1.xml')), 'syncml');
    assert.equal(d.fragment, false);
    assert.deepEqual(
      d.message.commands.map((c) => c.kind),
      ['Alert', 'Alert', 'Alert', 'Replace'],
    );
    assert.match(render(d), /Alert 1201 Client-initiated management session/);
  });

  it('decodes WinDC documents, results and the 1224 summary on their own, with state names', async () => {
    const doc = expectKind(await decodeInput(fixture('declared/dsc-config-document.xml')), 'declared-document');
    assert.equal(doc.document.blocks[0]?.kind, 'DSC');
    assert.equal(doc.checksum, doc.document.checksum, 'the fixture carries the checksum of its content');
    const res = expectKind(await decodeInput(fixture('declared/dsc-config-result.xml')), 'declared-result');
    assert.match(render(res), /state 60 ConfigCompletedSuccess/);
    const sum = expectKind(await decodeInput(fixture('declared/alert-summary.xml')), 'declared-summary');
    assert.ok(sum.summary.documents.length > 1);
  });

  it('decodes a WinDC document carried in SyncML Data and checks it against its LocURI', async () => {
    const doc = fixture('declared/dsc-config-document.xml');
    const id = /id="([^"]+)"/.exec(doc)?.[1] as string;
    const msg = (docId: string) =>
      `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>DEV</LocURI></Target><Source><LocURI>https://s</LocURI></Source></SyncHdr><SyncBody><Replace><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${docId}/Document</LocURI></Target><Data><![CDATA[${doc}]]></Data></Item></Replace><Final/></SyncBody></SyncML>`;
    const good = expectKind(await decodeInput(msg(id)), 'syncml');
    assert.equal(good.notes[0]?.embedded?.kind, 'declared-document');
    assert.deepEqual(good.notes[0]?.locUri, { meaning: `Device Complete document ${id}` });
    const bad = expectKind(await decodeInput(msg('00000000-0000-0000-0000-000000000001')), 'syncml');
    const e = bad.notes[0]?.embedded;
    assert.ok(e?.kind === 'invalid');
    assert.equal(e.error.code, 'DC_ID_MISMATCH');
    assert.match(render(bad), /! invalid document for this LocURI: DC_ID_MISMATCH/);
  });

  it('decodes an RSTR with the provisioning document inside, and flags what Windows rejects', async () => {
    const d = expectKind(await decodeInput(fixture('mde2/rstr-response.xml')), 'soap');
    assert.equal(d.operation, 'RequestSecurityTokenResponse');
    assert.equal(d.embedded?.kind, 'provisioning');
    const prov = expectKind(await decodeInput(fixture('mde2/provisioning-doc.xml')), 'provisioning');
    assert.ok(Array.isArray(prov.problems));
  });

  it('decodes a Windows-style CSR in PEM and verifies its signature', async () => {
    const { webcrypto } = await import('node:crypto');
    const keys = (await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' },
      true,
      ['sign', 'verify'],
    )) as import('node:crypto').webcrypto.CryptoKeyPair;
    const der = await buildWindowsCsr({
      keys,
      commonName: windowsCsrCommonName('562A7F9A-6CD8-40B0-9E7E-0DBDD8F0AAAA', 'B5B954E81FBCB94EB79BD08BE625F4EE'),
      deviceId: 'B5B954E81FBCB94EB79BD08BE625F4EE',
    });
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const d = expectKind(await decodeInput(pem), 'csr');
    assert.equal(d.csr.signatureValid, true);
    assert.equal(d.csr.windowsIdentity?.deviceId, 'B5B954E81FBCB94EB79BD08BE625F4EE');
    assert.match(d.csr.subject, /\\u0000$/, 'the trailing NUL is shown, not hidden');
  });

  it('decodes WinDC discovery JSON and an HTTP message around a body', async () => {
    const req = expectKind(
      await decodeInput(fixture('mde2/discovery-request-entra-registered.json')),
      'windc-discovery-request',
    );
    assert.ok(req.request.osVersion);
    const http = expectKind(
      await decodeInput(
        `POST /ManagementServer/MDM.svc HTTP/1.1\r\nContent-Type: application/vnd.syncml.dm+xml\r\n\r\n${fixture('syncml/package1.xml')}`,
      ),
      'http',
    );
    assert.equal(http.body?.kind, 'syncml');
    assert.deepEqual(http.headers[0], ['Content-Type', 'application/vnd.syncml.dm+xml']);
  });

  it('refuses what it cannot read with a ProtocolError naming the place', async () => {
    await assert.rejects(decodeInput('hello'), (e) => e instanceof ProtocolError && e.code === 'INPUT_UNRECOGNISED');
    await assert.rejects(
      decodeInput('<SyncML>\n<SyncHdr>\n</SyncBody>'),
      (e) => e instanceof ProtocolError && e.code === 'XML_MALFORMED' && e.position?.line === 3,
    );
    await assert.rejects(
      decodeInput('<!DOCTYPE x><x/>'),
      (e) => e instanceof ProtocolError && e.code === 'XML_DOCTYPE_FORBIDDEN',
    );
  });
});

describe('windc inspect: command line', () => {
  it('prints a readable tree, or JSON with --json, from a file or standard input', () => {
    const file = join(fixtures, 'syncml/package1.xml');
    const text = windc(['inspect', file]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^SyncML SYNCML:SYNCML1\.2/);
    const json = windc(['inspect', '--json', '-'], readFileSync(file, 'utf8'));
    assert.equal(json.status, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).kind, 'syncml');
  });

  it('exits 1 with file:line:column and the error code on bad input, 2 on bad usage', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'windc-inspect-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<SyncML>\n  <SyncHdr>\n</SyncML>');
    const r = windc(['inspect', bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${bad}:3:\\d+: XML_MALFORMED`));
    assert.equal(windc(['inspect', 'a', 'b']).status, 2);
    assert.equal(windc(['inspect', '--nope']).status, 2);
    assert.equal(windc(['inspect', join(dir, 'missing.xml')]).status, 2);
  });
});

describe('windc inspect: shared captures', { skip: SHARED_MISSING }, () => {
  const files = [
    'fixtures/windows-26200',
    'fixtures/reference',
    'research/samples/windc',
    'research/samples/fleet',
  ].flatMap((d) =>
    readdirSync(join(SHARED, d))
      .filter((f) => /\.(xml|http\.txt)$/.test(f))
      .map((f) => join(SHARED, d, f)),
  );

  it('decodes every capture and sample (a lone <Alert> fragment is refused as not a document)', async () => {
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (f.endsWith('learn-oma-dm-loginstatus-alert.xml')) {
        await assert.rejects(decodeInput(text), /no decoder for a <Alert>/);
        continue;
      }
      const d = await decodeInput(text);
      assert.ok(render(d).length > 0, f);
    }
  });

  it('shows the real Windows CSR inside the Fleet RST capture as signed and carrying its DeviceID', async () => {
    const d = expectKind(
      await decodeInput(readFileSync(join(SHARED, 'research/samples/fleet/03-rst-enroll-request.xml'), 'utf8')),
      'soap',
    );
    const csr = d.embedded && expectKind(d.embedded, 'csr');
    assert.equal(csr?.csr.signatureValid, true);
    assert.equal(csr?.csr.deviceIdExtension, 'B5B954E81FBCB94EB79BD08BE625F4EE');
  });

  it('reads the WinDC 1224 summary inside the reference alert with state names', () => {
    const out = execFileSync(process.execPath, [
      join(root, 'bin/windc.js'),
      'inspect',
      join(SHARED, 'fixtures/reference/learn-windc-1224-declaredconfigurationdocuments.xml'),
    ]).toString();
    assert.match(out, /WinDC summary \(1 documents\)/);
    assert.match(out, /state 60 ConfigCompletedSuccess/);
  });
});
