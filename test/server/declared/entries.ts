import type { DesiredEntry, ReportedEntry } from '../../../src/server/declared/diff.ts';

/** The document of the table-driven diff and status tests. */
export const ID = '27FEA311-68B9-4320-9FC4-296F6FDFAFE2';

/** What the server wants for ID: version V2, device scope, not abandoned; `over` changes any of it. */
export const desired = (over: Partial<DesiredEntry> = {}): DesiredEntry => ({
  id: ID,
  checksum: 'V2',
  scope: 'Device',
  host: 'Complete',
  abandoned: false,
  ...over,
});

/** What the device reported for ID: version V2 in `state` (null: no state yet), result R1; `over` changes any of it. */
export const reported = (state: number | null, over: Partial<ReportedEntry> = {}): ReportedEntry => ({
  id: ID,
  checksum: 'V2',
  resultChecksum: 'R1',
  state,
  abandoned: false,
  ...over,
});
