import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  documentLocUri,
  parseDocument,
  parseResult,
  parseTargetedDocument,
  resultLocUri,
  validateDocumentTarget,
  validateResultTarget,
} from '../../../src/protocol/declared/index.ts';
import { errorOf, fixture } from './support.ts';

const VPN_ID = 'E8D61495-7788-416C-A3B4-B286FA6FDF08';
const OTHER = 'BA274C34-9865-4CD7-97CD-7FC5C4BAEC5D';

describe('documents and results against their LocURI', () => {
  const vpn = fixture('csp-vpnv2-user-document.xml');

  it('accepts a document at its own DocID in its own scope', () => {
    const { target, document } = parseTargetedDocument(documentLocUri('User', 'Complete', VPN_ID), vpn);
    assert.equal(target.host, 'Complete');
    assert.equal(document.id, VPN_ID);
  });

  it('compares ids as GUIDs, whatever their hex case', () => {
    assert.equal(
      validateDocumentTarget(parseDocument(vpn), documentLocUri('User', 'Complete', VPN_ID.toLowerCase())).docId,
      VPN_ID.toLowerCase(),
    );
  });

  const cases: Array<[string, string, string, RegExp]> = [
    [
      'a Device LocURI for a User document',
      documentLocUri('Device', 'Complete', VPN_ID),
      'DC_SCOPE_MISMATCH',
      /Device scope but the document has context 'User'/,
    ],
    [
      'another DocID',
      documentLocUri('User', 'Complete', OTHER),
      'DC_ID_MISMATCH',
      new RegExp(`DocID ${OTHER} but the document has id ${VPN_ID}`),
    ],
    ['a Results node', resultLocUri('User', 'Complete', VPN_ID), 'DC_BAD_LOCURI', /not to a result node/],
    [
      'a LocURI of no node',
      './User/Vendor/MSFT/DeclaredConfiguration/Host/Complete',
      'DC_BAD_LOCURI',
      /names no document/,
    ],
  ];
  for (const [what, locUri, code, message] of cases) {
    it(`refuses ${what} with ${code}`, () => {
      const e = errorOf(() => parseTargetedDocument(locUri, vpn));
      assert.equal(e.code, code);
      assert.match(e.message, message);
    });
  }

  it('checks scope before id, as the configuration manager fails a scope mismatch before the CSP parses', () => {
    assert.equal(
      errorOf(() => parseTargetedDocument(documentLocUri('Device', 'Complete', OTHER), vpn)).code,
      'DC_SCOPE_MISMATCH',
    );
  });

  const result = parseResult(fixture('csp-vpnv2-user-result.xml'));

  it('accepts a result from its own Results node, and the node asked for', () => {
    const source = resultLocUri('User', 'Complete', VPN_ID);
    assert.equal(validateResultTarget(result, source, source).docId, VPN_ID);
  });

  it('refuses a result from another DocID, scope or node', () => {
    assert.equal(
      errorOf(() => validateResultTarget(result, resultLocUri('User', 'Complete', OTHER))).code,
      'DC_ID_MISMATCH',
    );
    assert.equal(
      errorOf(() => validateResultTarget(result, resultLocUri('Device', 'Complete', VPN_ID))).code,
      'DC_SCOPE_MISMATCH',
    );
    assert.equal(
      errorOf(() => validateResultTarget(result, documentLocUri('User', 'Complete', VPN_ID))).code,
      'DC_BAD_LOCURI',
    );
  });

  it('refuses a result from another host than the one requested', () => {
    const e = errorOf(() =>
      validateResultTarget(
        result,
        resultLocUri('User', 'BulkTemplate', VPN_ID),
        resultLocUri('User', 'Complete', VPN_ID),
      ),
    );
    assert.equal(e.code, 'DC_BAD_LOCURI');
    assert.match(
      e.message,
      /came from User Host\/BulkTemplate\/Results\/.* but User Host\/Complete\/Results\/.* was requested/,
    );
  });
});
