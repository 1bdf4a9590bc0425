import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DC_STATES } from '../../../src/protocol/declared/index.ts';
import {
  type Action,
  type DesiredEntry,
  diffDocuments,
  type ReportedEntry,
} from '../../../src/server/declared/diff.ts';
import { desired, ID, reported } from './entries.ts';

/** The action kinds, in order, as a compact string for the table. */
const kinds = (actions: Action[]): string =>
  actions
    .map((a) => {
      if (a.kind === 'replace-document') return `replace:${a.reason}`;
      if (a.kind === 'set-abandoned') return `abandon:${a.value ? 1 : 0}`;
      if (a.kind === 'get-result') return 'get-result';
      return 'delete';
    })
    .join(' ') || '-';

/**
 * Every DCCSPURIState (and a missing state) against every desired situation. Columns:
 * current = desired at the reported checksum, result not yet fetched; fetched = same, result already fetched;
 * outdated = a newer checksum is desired; abandoned = desired abandoned, not yet acknowledged; abandonedAcked =
 * desired abandoned and acknowledged, result fetched; unabandon = desired again after an acknowledged abandon;
 * unassigned = no longer desired.
 */
const TABLE: Record<
  string,
  {
    current: string;
    fetched: string;
    outdated: string;
    abandoned: string;
    abandonedAcked: string;
    unabandon: string;
    unassigned: string;
  }
> = {};
const transient = { current: '-', fetched: '-', outdated: '-', abandoned: 'abandon:1', abandonedAcked: '-' };
for (const s of [null, 0, 1, 2, 3, 20, 21, 40]) {
  TABLE[String(s)] = { ...transient, unabandon: 'abandon:0', unassigned: 'delete' };
}
for (const s of [10, 11]) {
  TABLE[String(s)] = { ...transient, abandoned: '-', unabandon: '-', unassigned: '-' };
}
for (const s of [60, 61, 62, 63, 80, 81, 82]) {
  TABLE[String(s)] = {
    current: 'get-result',
    fetched: '-',
    outdated: 'replace:outdated',
    abandoned: 'abandon:1 get-result',
    abandonedAcked: '-',
    unabandon: 'abandon:0',
    unassigned: 'delete',
  };
}
for (const s of [70, 71, 72]) {
  TABLE[String(s)] = {
    current: 'replace:deleted-on-device',
    fetched: 'replace:deleted-on-device',
    outdated: 'replace:deleted-on-device',
    abandoned: '-',
    abandonedAcked: '-',
    unabandon: 'replace:deleted-on-device',
    unassigned: '-',
  };
}

describe('reconciler decision table', () => {
  it('covers every DCCSPURIState', () => {
    for (const v of Object.values(DC_STATES)) assert.ok(String(v) in TABLE, `state ${v} has a row`);
  });

  for (const [stateText, row] of Object.entries(TABLE)) {
    const state = stateText === 'null' ? null : Number(stateText);
    it(`state ${stateText}: ${JSON.stringify(row)}`, () => {
      const fetched = { checksum: 'V2', resultChecksum: 'R1' };
      const cases: Record<keyof typeof row, { d: DesiredEntry[]; r: ReportedEntry }> = {
        current: { d: [desired()], r: reported(state) },
        fetched: { d: [desired()], r: reported(state, { fetched }) },
        outdated: { d: [desired({ checksum: 'V3' })], r: reported(state, { fetched }) },
        abandoned: { d: [desired({ abandoned: true })], r: reported(state) },
        abandonedAcked: { d: [desired({ abandoned: true })], r: reported(state, { abandoned: true, fetched }) },
        unabandon: { d: [desired()], r: reported(state, { abandoned: true, fetched }) },
        unassigned: { d: [], r: reported(state) },
      };
      for (const [column, c] of Object.entries(cases)) {
        const got = kinds(diffDocuments({ desired: c.d, reported: [c.r] }));
        assert.equal(got, row[column as keyof typeof row], `${column} at state ${stateText}`);
      }
    });
  }

  it('sends a missing document, and nothing for one abandoned before it arrived', () => {
    const [a] = diffDocuments({ desired: [desired()], reported: [] });
    assert.deepEqual(a, {
      kind: 'replace-document',
      id: ID,
      scope: 'Device',
      host: 'Complete',
      checksum: 'V2',
      reason: 'missing',
    });
    assert.deepEqual(diffDocuments({ desired: [desired({ abandoned: true })], reported: [] }), []);
  });

  it('does not re-send a version the device refused until the version changes', () => {
    const ledger = [{ id: ID, rejectedChecksum: 'V2' }];
    assert.deepEqual(diffDocuments({ desired: [desired()], reported: [], ledger }), []);
    assert.deepEqual(diffDocuments({ desired: [desired()], reported: [reported(60, { checksum: 'V1' })], ledger }), []);
    assert.equal(
      kinds(diffDocuments({ desired: [desired({ checksum: 'V3' })], reported: [], ledger })),
      'replace:missing',
    );
    assert.equal(kinds(diffDocuments({ desired: [desired()], reported: [], ledger, resync: true })), 'replace:resync');
  });

  it('re-fetches a result whose result_checksum changed', () => {
    const r = reported(60, { resultChecksum: 'R2', fetched: { checksum: 'V2', resultChecksum: 'R1' } });
    assert.equal(kinds(diffDocuments({ desired: [desired()], reported: [r] })), 'get-result');
    const [g] = diffDocuments({ desired: [desired({ host: 'Inventory' })], reported: [r] });
    assert.deepEqual(g, {
      kind: 'get-result',
      id: ID,
      scope: 'Device',
      host: 'Inventory',
      checksum: 'V2',
      resultChecksum: 'R2',
    });
  });

  it('never abandons an inventory (Properties/Abandoned exists under Host/Complete only)', () => {
    const d = desired({ host: 'Inventory', abandoned: true });
    assert.equal(kinds(diffDocuments({ desired: [d], reported: [reported(80)] })), 'get-result');
  });

  it('resync re-sends every desired document whatever was reported, and re-asserts abandons', () => {
    const other = '00000000-0000-0000-0000-000000000001';
    const actions = diffDocuments({
      desired: [desired(), desired({ id: other, abandoned: true })],
      reported: [
        reported(2, { fetched: { checksum: 'V2', resultChecksum: 'R1' } }),
        reported(60, { id: other, abandoned: true }),
      ],
      resync: true,
    });
    assert.equal(kinds(actions), 'abandon:1 get-result replace:resync');
    assert.deepEqual(
      actions.map((a) => a.id),
      [other, other, ID],
    );
  });

  it('addresses a Delete where the document lives, Device/Complete when nothing is known', () => {
    const user = reported(60, { id: '00000000-0000-0000-0000-0000000000AA' });
    const actions = diffDocuments({
      desired: [],
      reported: [reported(60), user],
      locate: (id) => (id === user.id ? { scope: 'User', host: 'Inventory' } : undefined),
    });
    assert.deepEqual(actions, [
      { kind: 'delete-document', id: user.id, scope: 'User', host: 'Inventory' },
      { kind: 'delete-document', id: ID, scope: 'Device', host: 'Complete' },
    ]);
  });

  it('matches ids whatever their hex case, and orders actions by document', () => {
    const lower = ID.toLowerCase();
    assert.deepEqual(
      diffDocuments({
        desired: [desired()],
        reported: [reported(60, { id: lower, fetched: { checksum: 'V2', resultChecksum: 'R1' } })],
      }),
      [],
    );
    const ids = ['C0000000-0000-0000-0000-000000000000', 'A0000000-0000-0000-0000-000000000000'];
    assert.deepEqual(
      diffDocuments({ desired: ids.map((id) => desired({ id })), reported: [] }).map((a) => a.id),
      [...ids].sort(),
    );
  });
});
