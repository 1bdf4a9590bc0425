/**
 * Microsoft's published WinDC examples (research samples and seed 002's code blocks), read from ../shared: the
 * ones that are right must pass, and each documented mistake must fail with the error it is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertAccess, requireNode, validateValue } from '../../../src/protocol/csp/index.ts';
import {
  buildDocument,
  checkInstances,
  expandTemplate,
  parseDeclaredLocUri,
  parseDocument,
  parseInstanceBlob,
  parseResult,
  parseSummary,
  parseTargetedDocument,
  resultLocUri,
  templateVariables,
  validateResultTarget,
} from '../../../src/protocol/declared/index.ts';
import { child, innerXml, parseXml, textOf, type XmlElement } from '../../../src/protocol/xml/index.ts';
import { errorOf, SHARED_MISSING, sharedFile } from '../../support/protocol.ts';

const SAMPLES = 'research/samples/windc';

interface Item {
  command: string;
  locUri: string;
  data: string;
  format?: string;
}

/** The first element named like one of `names` that has an Item, depth first. */
function firstCommand(el: XmlElement, names: string[]): XmlElement | undefined {
  if (names.includes(el.name) && child(el, 'Item')) return el;
  for (const c of el.children) {
    const hit = c.kind === 'element' ? firstCommand(c, names) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

/** The first Item of the first command named, from SyncML text (or a fragment wrapped to make it one document). */
function itemOf(xml: string, names: string[]): Item {
  const trimmed = xml.trimStart();
  const doc = parseXml(trimmed.startsWith('<SyncML') || trimmed.startsWith('<?xml') ? trimmed : `<r>${trimmed}</r>`);
  const command = firstCommand(doc.root, names);
  assert.ok(command, `no ${names.join('/')} with an Item in the sample`);
  const item = child(command, 'Item') as XmlElement;
  const ref = child(item, 'Target') ?? child(item, 'Source');
  const loc = ref && child(ref, 'LocURI');
  const data = child(item, 'Data') as XmlElement;
  // A Data element holding raw markup (the alert) is read as source; escaped text and CDATA as text.
  const text = data.children.some((c) => c.kind === 'element') ? innerXml(doc, data) : textOf(data);
  const meta = child(item, 'Meta');
  const format = meta && child(meta, 'Format');
  return {
    command: command.name,
    locUri: loc ? textOf(loc) : '',
    data: text,
    ...(format ? { format: textOf(format) } : {}),
  };
}

function sample(name: string, commands = ['Replace', 'Results']): Item {
  return itemOf(sharedFile(`${SAMPLES}/${name}`), commands);
}

/** Seed 002's ```xml blocks. */
function seed002Blocks(): string[] {
  const text = sharedFile('seeds/002_6313507edc3a1914.txt');
  return [...text.matchAll(/```xml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

describe('Microsoft WinDC samples', { skip: SHARED_MISSING }, () => {
  it('VPN document in User scope: valid, context written "user" and kept', () => {
    const s = sample('learn-doc-windc-vpn-user-replace-document.xml');
    const { target, document } = parseTargetedDocument(s.locUri, s.data);
    assert.deepEqual([target.scope, target.host], ['User', 'Complete']);
    assert.deepEqual([document.context, document.contextAsWritten, document.checksum], ['User', 'user', 'A3']);
    const csp = document.blocks[0];
    assert.ok(csp?.kind === 'CSP');
    assert.equal(csp.uris.length, 10);
    assert.deepEqual(parseDocument(buildDocument(document)), document);
    const node = requireNode(s.locUri);
    assert.equal(node.node.format, 'chr');
    assertAccess(node.node, 'Replace');
  });

  it('VPN result: valid on its own, but it came from Host/BulkTemplate for a Host/Complete Get', () => {
    const s = sample('learn-doc-windc-vpn-user-results-response.xml');
    const result = parseResult(s.data);
    assert.deepEqual([result.operation, result.state, result.contextAsWritten], ['Set', 60, 'user']);
    const csp = result.blocks[0];
    assert.ok(csp?.kind === 'CSP');
    assert.ok(csp.uris.every((u) => u.status === '200' && u.state === 60 && u.value === ''));
    assert.equal(validateResultTarget(result, s.locUri).host, 'BulkTemplate');
    const requested = resultLocUri('User', 'Complete', result.id);
    const e = errorOf(() => validateResultTarget(result, s.locUri, requested));
    assert.equal(e.code, 'DC_BAD_LOCURI');
    assert.match(e.message, /came from User Host\/BulkTemplate.* but User Host\/Complete.* was requested/);
  });

  it('bulk template document and variables: valid together, placeholders filled per instance', () => {
    const t = sample('learn-doc-windc-bulktemplate-document.xml');
    const { target, document } = parseTargetedDocument(t.locUri, t.data);
    assert.equal(target.host, 'BulkTemplate');
    assert.equal(document.reflectedProperties?.length, 2);
    const csp = document.blocks[0];
    assert.ok(csp?.kind === 'CSP');
    assert.equal(csp.uris[0]?.type, 'Int', 'Learn writes Int; accepted and kept as written');
    assert.deepEqual(templateVariables(document), ['pfxThumbprint', 'pfxBlob', 'pfxPassword']);

    const v = sample('learn-doc-windc-bulktemplate-variables.xml');
    assert.equal(parseDeclaredLocUri(v.locUri).node, 'bulk-variables');
    assert.equal(requireNode(v.locUri).node.format, 'chr');
    const blob = parseInstanceBlob(v.data);
    checkInstances(document, blob);
    assert.equal(expandTemplate(document, blob).length, 2);
  });

  it('extensibility inventory request: valid under Host/Inventory', () => {
    const s = sample('learn-doc-windc-extensibility-inventory-request.xml');
    const { target, document } = parseTargetedDocument(s.locUri, s.data);
    assert.equal(target.host, 'Inventory');
    assert.equal(document.scenario, 'MSFTExtensibilityMIProviderInventory');
  });

  it('unabandon: Abandoned is an int node and 0 is allowed', () => {
    const s = sample('learn-doc-windc-unabandon.xml');
    assert.equal(parseDeclaredLocUri(s.locUri).node, 'abandoned');
    const def = requireNode(s.locUri).node;
    assert.equal(def.format, s.format);
    assert.deepEqual(validateValue(def, s.data), { ok: true });
  });

  it('1224 reference fixture: a summary with a 32-digit checksum', () => {
    const s = itemOf(sharedFile('fixtures/reference/learn-windc-1224-declaredconfigurationdocuments.xml'), ['Alert']);
    const summary = parseSummary(s.data);
    assert.equal(summary.documents.length, 1);
    assert.equal(summary.documents[0]?.checksum.length, 32);
  });
});

describe('seed 002 examples', { skip: SHARED_MISSING }, () => {
  const blocks = SHARED_MISSING ? [] : seed002Blocks();
  const block = (pattern: RegExp, nth = 0) => {
    const hits = blocks.filter((b) => pattern.test(b));
    assert.ok(hits[nth], `seed 002 has a block matching ${pattern}`);
    return hits[nth] as string;
  };

  it('the first example document is valid', () => {
    const d = parseDocument(block(/^<DeclaredConfiguration schema/));
    assert.equal(d.scenario, 'MSFTExtensibilityMIProviderConfig');
  });

  it('the CDATA Replace: a LocURI with a leading space, and a DocID that is not the document id', () => {
    const s = itemOf(block(/Host\/Complete\/Documents[\s\S]*CDATA/), ['Replace']);
    assert.equal(errorOf(() => parseTargetedDocument(s.locUri, s.data)).code, 'DC_BAD_LOCURI');
    const e = errorOf(() => parseTargetedDocument(s.locUri.trim(), s.data));
    assert.equal(e.code, 'DC_ID_MISMATCH');
    assert.match(e.message, /DocID 99988660-9080-3433-96e8-f32e85011999 but the document has id 27FEA311/);
  });

  it('the inventory Replace is valid', () => {
    const s = itemOf(block(/Host\/Inventory\/Documents/), ['Replace']);
    assert.equal(parseTargetedDocument(s.locUri, s.data).target.host, 'Inventory');
  });

  it('the configuration result: a DSC body under MSFTPolicies, and another id than the DocID', () => {
    const s = itemOf(block(/Host\/Complete\/Results/, 1), ['Results']);
    const e = errorOf(() => parseResult(s.data));
    assert.equal(e.code, 'DC_BAD_RESULT');
    assert.match(e.message, /MSFTPolicies result cannot hold <DSC>/);
    const asExtensibility = parseResult(s.data.replace('MSFTPolicies', 'MSFTExtensibilityMIProviderConfig'));
    assert.equal(errorOf(() => validateResultTarget(asExtensibility, s.locUri)).code, 'DC_ID_MISMATCH');
  });

  it('the inventory result: another id than the DocID of its Source', () => {
    const s = itemOf(block(/Host\/Inventory\/Results/), ['Results']);
    const result = parseResult(s.data);
    assert.deepEqual([result.operation, result.state], ['Get', 80]);
    const dsc = result.blocks[0];
    assert.ok(dsc?.kind === 'DSC');
    assert.equal(dsc.properties[1]?.value, 'TestFileContent');
    const e = errorOf(() => validateResultTarget(result, s.locUri));
    assert.equal(e.code, 'DC_ID_MISMATCH');
  });

  it('the generic alert is a valid summary', () => {
    const s = itemOf(block(/declaredconfigurationdocuments/), ['Alert']);
    const summary = parseSummary(s.data);
    assert.deepEqual(
      summary.documents.map((d) => [d.context, d.state, d.resultChecksum?.length]),
      [['Device', 60, 64]],
    );
  });
});
