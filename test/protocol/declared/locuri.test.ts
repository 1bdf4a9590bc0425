import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  abandonedLocUri,
  bulkVariablesLocUri,
  type DeclaredLocUri,
  documentLocUri,
  formatDeclaredLocUri,
  parseDeclaredLocUri,
  resultLocUri,
  settingLocUri,
} from '../../../src/protocol/declared/index.ts';
import { codeOf, errorOf } from './support.ts';

const ID = 'EF046312-D737-460B-AA32-2E70BDA831E7';
const DC = './Device/Vendor/MSFT/DeclaredConfiguration';

describe('DeclaredConfiguration LocURIs', () => {
  const valid: Array<[string, DeclaredLocUri]> = [
    [
      `${DC}/Host/Complete/Documents/${ID}/Document`,
      { node: 'document', scope: 'Device', host: 'Complete', docId: ID },
    ],
    [
      `${DC}/Host/Inventory/Documents/${ID}/Document`,
      { node: 'document', scope: 'Device', host: 'Inventory', docId: ID },
    ],
    [
      `./User/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${ID}/Document`,
      { node: 'document', scope: 'User', host: 'Complete', docId: ID },
    ],
    [
      `${DC}/Host/BulkTemplate/Documents/${ID}/Document`,
      { node: 'document', scope: 'Device', host: 'BulkTemplate', docId: ID },
    ],
    [
      `${DC}/Host/Complete/Documents/${ID}/Properties/Abandoned`,
      { node: 'abandoned', scope: 'Device', host: 'Complete', docId: ID },
    ],
    [
      `${DC}/Host/BulkTemplate/Documents/${ID}/BulkVariables/Value`,
      { node: 'bulk-variables', scope: 'Device', host: 'BulkTemplate', docId: ID },
    ],
    [`${DC}/Host/Complete/Results/${ID}/Document`, { node: 'result', scope: 'Device', host: 'Complete', docId: ID }],
    [`${DC}/Host/Inventory/Results/${ID}/Document`, { node: 'result', scope: 'Device', host: 'Inventory', docId: ID }],
    [
      `${DC}/Host/BulkTemplate/Results/${ID}/Document`,
      { node: 'result', scope: 'Device', host: 'BulkTemplate', docId: ID },
    ],
    ...(
      ['RefreshInterval', 'CertificateExpirationThreshold', 'StartSyncSessionOnFailure', 'ConflictResolution'] as const
    ).map((setting): [string, DeclaredLocUri] => [
      `${DC}/ManagementServiceConfiguration/${setting}`,
      { node: 'setting', scope: 'Device', setting },
    ]),
  ];
  for (const [text, parsed] of valid) {
    it(`parses and re-formats ${text.slice(DC.length) || text}`, () => {
      assert.deepEqual(parseDeclaredLocUri(text), parsed);
      assert.equal(formatDeclaredLocUri(parsed), text);
    });
  }

  it('reads the prefix-less form as Device and writes the explicit one', () => {
    const t = parseDeclaredLocUri(`./Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${ID}/Document`);
    assert.deepEqual(t, { node: 'document', scope: 'Device', host: 'Complete', docId: ID });
    assert.equal(formatDeclaredLocUri(t), `${DC}/Host/Complete/Documents/${ID}/Document`);
  });

  it('matches fixed segments in any case, keeps the DocID as written', () => {
    const t = parseDeclaredLocUri(
      `./user/vendor/msft/declaredconfiguration/host/complete/documents/${ID.toLowerCase()}/document`,
    );
    assert.deepEqual(t, { node: 'document', scope: 'User', host: 'Complete', docId: ID.toLowerCase() });
  });

  it('builds each node with its helper', () => {
    assert.equal(
      documentLocUri('User', 'Complete', ID),
      `./User/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${ID}/Document`,
    );
    assert.equal(resultLocUri('Device', 'Inventory', ID), `${DC}/Host/Inventory/Results/${ID}/Document`);
    assert.equal(abandonedLocUri('Device', ID), `${DC}/Host/Complete/Documents/${ID}/Properties/Abandoned`);
    assert.equal(bulkVariablesLocUri('Device', ID), `${DC}/Host/BulkTemplate/Documents/${ID}/BulkVariables/Value`);
    assert.equal(settingLocUri('RefreshInterval'), `${DC}/ManagementServiceConfiguration/RefreshInterval`);
  });

  it('refuses to build with a DocID that is not a GUID', () => {
    assert.equal(
      codeOf(() => documentLocUri('Device', 'Complete', '{27FEA311-68B9-4320-9FC4-296F6FDFAFE2}')),
      'DC_BAD_ID',
    );
  });

  const invalid: Array<[string, string]> = [
    [` ${DC}/Host/Complete/Documents/${ID}/Document`, 'whitespace'],
    [`${DC}/Host/Complete/Documents/${ID}/Document/`, 'empty segment'],
    [`/Device/Vendor/MSFT/DeclaredConfiguration/Host/Complete/Documents/${ID}/Document`, "start with './'"],
    [`./Device/Vendor/Contoso/DeclaredConfiguration/Host/Complete/Documents/${ID}/Document`, 'not under'],
    [`./Device/Vendor/MSFT/VPNv2/Profile`, 'not DeclaredConfiguration'],
    [`${DC}/Host/Partial/Documents/${ID}/Document`, 'not a host kind'],
    [`${DC}/Host/Complete/Documents/27FEA311-68. B9-4320-9. FC4-296. F6FDFAFE2/Document`, 'not a GUID'],
    [`${DC}/Host/Complete/Documents/${ID}1/Document`, 'not a GUID'],
    [`${DC}/Host/Complete/Documents/${ID}`, 'not a node of Documents'],
    [`${DC}/Host/Complete/Documents`, 'names no document'],
    [`${DC}/Host/Inventory/Documents/${ID}/Properties/Abandoned`, 'under Host/Complete only'],
    [`${DC}/Host/Complete/Documents/${ID}/BulkVariables/Value`, 'under Host/BulkTemplate only'],
    [`${DC}/Host/Complete/Results/${ID}/Properties/Abandoned`, 'only Document'],
    [`${DC}/Host/Complete/Outputs/${ID}/Document`, 'neither Documents nor Results'],
    [`${DC}/ManagementServiceConfiguration/PollInterval`, 'has only'],
    [`${DC}/ManagementServiceConfiguration`, 'has only'],
    [`./User/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval`, 'Device scope only'],
    [`${DC}/Enclave/Complete/Documents/${ID}/Document`, 'neither Host nor'],
  ];
  for (const [text, why] of invalid) {
    it(`refuses '${text.replace(DC, '…')}' (${why})`, () => {
      const e = errorOf(() => parseDeclaredLocUri(text));
      assert.equal(e.code, 'DC_BAD_LOCURI');
      assert.match(e.message, new RegExp(why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
  }
});
