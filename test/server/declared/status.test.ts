import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DC_STATES } from '../../../src/protocol/declared/index.ts';
import { deriveStatus, type StatusInput } from '../../../src/server/declared/status.ts';
import { desired, reported } from './entries.ts';

const previous = (over: Partial<NonNullable<StatusInput['previous']>> = {}): NonNullable<StatusInput['previous']> => ({
  status: 'compliant',
  detail: null,
  compliantChecksum: null,
  compliantResultChecksum: null,
  rejectedChecksum: null,
  rejectedCode: null,
  ...over,
});

/**
 * Status per state for: the desired version reported (fresh: never compliant before; wasCompliant: compliant at
 * this version before), an older version reported, desired but abandoned, and no longer desired.
 */
const TABLE: Record<string, { fresh: string; wasCompliant: string; outdated: string; unassigned: string }> = {};
for (const s of [null, 0, 1, 2, 3, 20, 21, 40]) {
  TABLE[String(s)] = { fresh: 'delivered', wasCompliant: 'delivered', outdated: 'pending', unassigned: 'removed' };
}
for (const s of [10, 11]) {
  TABLE[String(s)] = { fresh: 'pending', wasCompliant: 'pending', outdated: 'pending', unassigned: 'removed' };
}
for (const s of [60, 63, 80]) {
  TABLE[String(s)] = { fresh: 'compliant', wasCompliant: 'compliant', outdated: 'pending', unassigned: 'removed' };
}
for (const s of [61, 62]) {
  TABLE[String(s)] = { fresh: 'error', wasCompliant: 'drifted', outdated: 'pending', unassigned: 'removed' };
}
for (const s of [81, 82]) {
  TABLE[String(s)] = { fresh: 'error', wasCompliant: 'drifted', outdated: 'pending', unassigned: 'removed' };
}
TABLE['70'] = { fresh: 'pending', wasCompliant: 'pending', outdated: 'pending', unassigned: 'removed' };
for (const s of [71, 72])
  TABLE[String(s)] = { fresh: 'pending', wasCompliant: 'pending', outdated: 'pending', unassigned: 'error' };

describe('status derivation', () => {
  it('covers every DCCSPURIState', () => {
    for (const v of Object.values(DC_STATES)) assert.ok(String(v) in TABLE, `state ${v} has a row`);
  });

  for (const [stateText, row] of Object.entries(TABLE)) {
    const state = stateText === 'null' ? null : Number(stateText);
    it(`state ${stateText}: ${JSON.stringify(row)}`, () => {
      const compliantBefore = previous({ compliantChecksum: 'V2', compliantResultChecksum: 'R1' });
      const cases = {
        fresh: { desired: desired(), reported: reported(state), previous: undefined },
        wasCompliant: { desired: desired(), reported: reported(state), previous: compliantBefore },
        outdated: { desired: desired({ checksum: 'V3' }), reported: reported(state), previous: compliantBefore },
        unassigned: { desired: undefined, reported: reported(state), previous: compliantBefore },
      };
      for (const [column, input] of Object.entries(cases)) {
        assert.equal(deriveStatus(input)?.status, row[column as keyof typeof row], `${column} at state ${stateText}`);
      }
      // Abandoned wins over every state.
      assert.equal(
        deriveStatus({ desired: desired({ abandoned: true }), reported: reported(state), previous: undefined })?.status,
        'abandoned',
      );
    });
  }

  it('an inventory does not drift: its values are what it reads', () => {
    const inventory = desired({ host: 'Inventory' });
    const before = previous({ compliantChecksum: 'V2', compliantResultChecksum: 'R1' });
    assert.equal(deriveStatus({ desired: inventory, reported: reported(81), previous: before })?.status, 'error');
    assert.equal(
      deriveStatus({ desired: inventory, reported: reported(80, { resultChecksum: 'R9' }), previous: before })?.status,
      'compliant',
    );
  });

  it('records the compliant version, and calls a changed result at that version drift until it is read', () => {
    const first = deriveStatus({ desired: desired(), reported: reported(60), previous: undefined });
    assert.deepEqual(first, {
      status: 'compliant',
      detail: 'ConfigCompletedSuccess (60)',
      compliantChecksum: 'V2',
      compliantResultChecksum: 'R1',
    });
    const before = previous({ compliantChecksum: 'V2', compliantResultChecksum: 'R1' });
    const changed = reported(60, { resultChecksum: 'R2' });
    assert.equal(deriveStatus({ desired: desired(), reported: changed, previous: before })?.status, 'drifted');
    const read = deriveStatus({ desired: desired(), reported: changed, previous: before, resultAllSuccess: true });
    assert.equal(read?.status, 'compliant');
    assert.equal(read?.compliantResultChecksum, 'R2');
    // A new revision is not drift, whatever the old version did.
    const next = desired({ checksum: 'V3' });
    assert.equal(
      deriveStatus({ desired: next, reported: reported(61, { checksum: 'V3' }), previous: before })?.status,
      'error',
    );
  });

  it('reports a refused version as an error with the device’s status code', () => {
    const p = previous({ status: 'pending', rejectedChecksum: 'V2', rejectedCode: 400 });
    const s = deriveStatus({ desired: desired(), reported: undefined, previous: p });
    assert.equal(s?.status, 'error');
    assert.match(s?.detail ?? '', /refused.*400/);
  });

  it('explains a removal as what it is: the document goes, the settings stay', () => {
    const before = previous({ compliantChecksum: 'V2', compliantResultChecksum: 'R1' });
    assert.match(deriveStatus({ desired: undefined, reported: undefined, previous: before })?.detail ?? '', /tattoo/);
    assert.match(
      deriveStatus({ desired: undefined, reported: reported(60), previous: before })?.detail ?? '',
      /Delete queued/,
    );
    assert.match(
      deriveStatus({ desired: undefined, reported: undefined, previous: previous({ status: 'pending' }) })?.detail ??
        '',
      /never reached/,
    );
    assert.equal(deriveStatus({ desired: undefined, reported: undefined, previous: undefined }), undefined);
  });

  it('explains an abandon by whether the device acknowledged it', () => {
    const d = desired({ abandoned: true });
    assert.match(deriveStatus({ desired: d, reported: undefined, previous: undefined })?.detail ?? '', /not delivered/);
    assert.match(
      deriveStatus({ desired: d, reported: reported(60), previous: undefined })?.detail ?? '',
      /not yet acknowledged/,
    );
    assert.match(
      deriveStatus({ desired: d, reported: reported(60, { abandoned: true }), previous: undefined })?.detail ?? '',
      /settings stay/,
    );
  });
});
