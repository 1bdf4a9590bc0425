import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ago,
  confirmModel,
  DELETE_EXPLANATION,
  deviceDocumentRow,
  deviceRow,
  documentRow,
  eventLine,
  failingResources,
  filterDevices,
  formatTime,
  parseRoute,
  resultSummary,
  rollupCells,
  rollupSummary,
  routeHash,
  shortChecksum,
  stateLabel,
  statusColumns,
  statusTone,
} from '../../../src/server/console/static/model.js';

const NOW = Date.UTC(2025, 0, 2, 12, 0, 0);

describe('console model: statuses', () => {
  it('puts the known statuses in lifecycle order and appends statuses it does not know', () => {
    const cols = statusColumns([{ compliant: 2 }, { quarantined: 1, error: 1 }, null]);
    assert.deepEqual(cols, [
      'pending',
      'delivered',
      'compliant',
      'error',
      'drifted',
      'abandoned',
      'removed',
      'quarantined',
    ]);
  });

  it('rolls counts up per column, zero for missing, and summarises the non-zero ones', () => {
    const cells = rollupCells({ compliant: 3, error: 1 }, ['pending', 'compliant', 'error']);
    assert.deepEqual(cells, [
      { status: 'pending', count: 0 },
      { status: 'compliant', count: 3 },
      { status: 'error', count: 1 },
    ]);
    assert.equal(rollupSummary({ error: 1, compliant: 3, pending: 0 }), '3 compliant · 1 error');
    assert.equal(rollupSummary(null), 'no devices');
  });

  it('gives failures a tone that stands out', () => {
    assert.equal(statusTone('compliant'), 'good');
    assert.equal(statusTone('error'), 'bad');
    assert.equal(statusTone('drifted'), 'warn');
    assert.equal(statusTone('pending'), 'info');
    assert.equal(statusTone('removed'), 'muted');
    assert.equal(statusTone(undefined), 'muted');
  });
});

describe('console model: labels', () => {
  it('names states with their number, and says when nothing was reported', () => {
    assert.equal(stateLabel(60, 'ConfigCompletedSuccess'), 'ConfigCompletedSuccess (60)');
    assert.equal(stateLabel(999, null), '999');
    assert.equal(stateLabel(null, null), 'not reported');
  });

  it('shortens checksums and formats times in UTC', () => {
    assert.equal(shortChecksum('0123456789ABCDEF0123'), '0123456789AB…');
    assert.equal(shortChecksum('ABC'), 'ABC');
    assert.equal(shortChecksum(null), '—');
    assert.equal(formatTime(NOW), '2025-01-02 12:00:00Z');
    assert.equal(formatTime(null), '—');
    assert.equal(ago(NOW - 30_000, NOW), '30s ago');
    assert.equal(ago(NOW - 5 * 60_000, NOW), '5 min ago');
    assert.equal(ago(NOW - 3 * 3_600_000, NOW), '3 h ago');
    assert.equal(ago(NOW - 2 * 86_400_000, NOW), '2 d ago');
    assert.equal(ago(null, NOW), 'never');
  });
});

describe('console model: rows', () => {
  it('builds a document row with its link and counts', () => {
    const row = documentRow(
      {
        id: '27FEA311-68B9-4320-9FC4-296F6FDFAFE2',
        name: null,
        kind: 'configuration',
        scenario: 'MSFTExtensibilityMIProviderConfig',
        checksum: 'AAAAAAAAAAAAAAAAAAAA',
        revision: 3,
        abandoned: false,
        updatedAt: NOW,
        rollup: { counts: { compliant: 4, error: 1 } },
      },
      ['compliant', 'error'],
    );
    assert.equal(row.label, '27FEA311-68B9-4320-9FC4-296F6FDFAFE2', 'the id when the document has no name');
    assert.equal(row.href, '#/documents/27FEA311-68B9-4320-9FC4-296F6FDFAFE2');
    assert.equal(row.total, 5);
    assert.deepEqual(
      row.cells.map((c) => c.count),
      [4, 1],
    );
  });

  it('builds device rows and filters them by text and by status', () => {
    const rows = [
      deviceRow(
        {
          deviceId: 'LAPTOP-1',
          enrollments: [
            { kind: 'primary', status: 'active', lastSeenAt: NOW - 60_000, lastReportAt: null },
            { kind: 'linked', status: 'active', lastSeenAt: NOW - 120_000, lastReportAt: NOW - 120_000 },
          ],
          statuses: { error: 1 },
        },
        ['error'],
        NOW,
      ),
      deviceRow({ deviceId: 'desk/2', enrollments: [], statuses: {} }, ['error'], NOW),
    ];
    assert.equal(rows[0]!.lastSeen, '1 min ago', 'the most recent of its enrollments');
    assert.equal(rows[0]!.linked, true);
    assert.equal(rows[1]!.href, '#/devices/desk%2F2', 'DeviceIDs are encoded in the hash');
    assert.equal(rows[1]!.enrollments, 'none active');
    assert.deepEqual(
      filterDevices(rows, { text: 'laptop' }).map((r) => r.deviceId),
      ['LAPTOP-1'],
    );
    assert.deepEqual(
      filterDevices(rows, { status: 'error' }).map((r) => r.deviceId),
      ['LAPTOP-1'],
    );
    assert.equal(filterDevices(rows, { text: ' ' }).length, 2);
  });

  const result = {
    state: 61,
    stateName: 'ConfigCompletedError',
    operation: 'Set',
    current: true,
    resources: [
      { kind: 'DSC', name: 'MSFT_FileDirectoryConfiguration', status: null, state: 60, stateName: 'ok' },
      { kind: 'CSP', name: './Vendor/MSFT/Policy', status: '200', state: 60, stateName: 'ok' },
      { kind: 'URI', name: './Vendor/MSFT/Policy/A', status: '405', state: 60, stateName: 'ok' },
      { kind: 'DSC', name: 'MSFT_Registry', status: null, state: 61, stateName: 'ConfigCompletedError' },
    ],
  };

  it('lists the resources that failed: an error state or a non-200 status', () => {
    assert.deepEqual(
      failingResources(result).map((r) => r.name),
      ['./Vendor/MSFT/Policy/A', 'MSFT_Registry'],
    );
    assert.equal(resultSummary(result), 'Set ConfigCompletedError (61): 2 of 4 failing');
    assert.equal(
      resultSummary({ ...result, resources: [], current: false }),
      'Set ConfigCompletedError (61): 0 resources ok (for an earlier report)',
    );
    assert.equal(resultSummary(null), 'no result fetched');
    // Beside a State column already saying it, the same state is not repeated; a different one still is.
    assert.equal(resultSummary(result, 61), 'Set: 2 of 4 failing');
    assert.equal(resultSummary(result, 60), 'Set ConfigCompletedError (61): 2 of 4 failing');
  });

  it('builds a device × document row comparing desired and reported', () => {
    const base = {
      documentId: 'D1',
      name: 'hello',
      status: 'error',
      detail: 'the device reported ConfigCompletedError',
      desiredChecksum: 'AAA',
      reportedChecksum: 'AAA',
      state: 61,
      stateName: 'ConfigCompletedError',
      lastReportAt: NOW - 10_000,
      changedAt: null,
      abandoned: false,
      result,
      rejected: null,
    };
    const row = deviceDocumentRow(base, NOW);
    assert.equal(row.label, 'hello');
    assert.equal(row.inSync, true);
    assert.equal(row.tone, 'bad');
    assert.equal(row.state, 'ConfigCompletedError (61)');
    assert.equal(row.lastReport, '10s ago');
    assert.deepEqual(row.failing, [
      'URI ./Vendor/MSFT/Policy/A: status 405, ok (60)',
      'DSC MSFT_Registry: ConfigCompletedError (61)',
    ]);
    const behind = deviceDocumentRow(
      { ...base, reportedChecksum: 'BBB', result: null, rejected: { checksum: 'CCC', code: 'DC_X' } },
      NOW,
    );
    assert.equal(behind.inSync, false);
    assert.deepEqual(behind.failing, []);
    assert.equal(behind.rejected, 'checksum CCC refused (DC_X)');
    assert.equal(deviceDocumentRow({ ...base, desiredChecksum: null, reportedChecksum: null }, NOW).inSync, false);
  });

  it('leaves out a detail that only repeats the state (seen in a browser: every compliant row said it twice)', () => {
    const settled = {
      documentId: 'D1',
      status: 'compliant',
      detail: 'ConfigCompletedSuccess (60)',
      desiredChecksum: 'AAA',
      reportedChecksum: 'AAA',
      state: 60,
      stateName: 'ConfigCompletedSuccess',
      lastReportAt: NOW,
      changedAt: null,
      abandoned: false,
      result: null,
      rejected: null,
    };
    assert.equal(deviceDocumentRow(settled, NOW).detail, '');
    assert.equal(deviceDocumentRow({ ...settled, detail: null }, NOW).detail, '');
    const why = 'ConfigCompletedError (61): MSFT_FileDirectoryConfiguration (0x80041004)';
    assert.equal(deviceDocumentRow({ ...settled, detail: why, state: 61, stateName: 'x' }, NOW).detail, why);
  });

  it('describes each kind of event in one line', () => {
    const doc = eventLine({
      id: 7,
      at: NOW,
      type: 'document.status',
      payload: { deviceId: 'D1', documentId: 'X', from: 'pending', to: 'error', detail: 'why' },
    });
    assert.deepEqual(doc, {
      id: 7,
      time: '2025-01-02 12:00:00Z',
      type: 'document.status',
      deviceId: 'D1',
      text: 'document X: pending → error',
      detail: 'why',
      tone: 'bad',
    });
    const setting = eventLine({
      id: 8,
      at: NOW,
      type: 'setting.status',
      payload: { deviceId: 'D1', locUri: './Vendor/MSFT/DMClient/x', from: null, to: 'applied' },
    });
    assert.equal(setting.text, 'setting ./Vendor/MSFT/DMClient/x: new → applied');
    assert.equal(eventLine({ id: 9, at: NOW, type: 'link.status', payload: { to: 'linked' } }).deviceId, null);
  });
});

describe('console model: routes and confirmations', () => {
  it('round-trips routes through the hash, ids included', () => {
    for (const route of [
      { view: 'documents' },
      { view: 'devices', id: 'a/b c#d' },
      { view: 'sets', id: 'base line' },
    ]) {
      assert.deepEqual(parseRoute(routeHash(route)), route);
    }
    assert.deepEqual(parseRoute(''), { view: 'documents' }, 'documents by default');
    assert.deepEqual(parseRoute('#/nowhere/x'), { view: 'documents', id: 'x' });
    assert.deepEqual(parseRoute('#/devices/%E0%A4%A'), { view: 'devices' }, 'a malformed id is dropped');
  });

  it('explains that delete leaves settings in place and that abandon stops enforcement', () => {
    const doc = { id: 'D1', name: 'hello', kind: 'configuration' };
    const del = confirmModel(doc, 'delete');
    assert.equal(del.title, 'Delete “hello” (D1)?');
    assert.equal(del.text, DELETE_EXPLANATION);
    assert.match(del.text, /tattoo/);
    assert.match(del.text, /abandon it instead/);
    assert.match(confirmModel(doc, 'abandon').text, /stop enforcing/);
    assert.equal(confirmModel({ ...doc, name: null }, 'unabandon').confirm, 'Resume enforcement');
  });
});
