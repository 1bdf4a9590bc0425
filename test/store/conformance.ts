/**
 * One behavioural contract for every backend (KMFDDM/NanoMDM style): each backend's test file hands
 * `conformance` a harness and the same scenarios run against it.
 */
import { describe } from 'node:test';
import { adminSuite } from './suite/admin.ts';
import { certificatesSuite } from './suite/certificates.ts';
import { concurrencySuite } from './suite/concurrency.ts';
import { credentialsSuite } from './suite/credentials.ts';
import { declaredSuite } from './suite/declared.ts';
import { devicesSuite } from './suite/devices.ts';
import { documentsSuite } from './suite/documents.ts';
import type { StoreHarness } from './suite/harness.ts';
import { migrationsSuite } from './suite/migrations.ts';
import { queueSuite } from './suite/queue.ts';
import { reportsSuite } from './suite/reports.ts';
import { sessionsSuite } from './suite/sessions.ts';
import { transactionsSuite } from './suite/transactions.ts';

export type { StoreHarness } from './suite/harness.ts';

export function conformance(name: string, harness: StoreHarness): void {
  describe(`store conformance: ${name}`, () => {
    migrationsSuite(harness);
    devicesSuite(harness);
    certificatesSuite(harness);
    sessionsSuite(harness);
    queueSuite(harness);
    documentsSuite(harness);
    reportsSuite(harness);
    declaredSuite(harness);
    adminSuite(harness);
    credentialsSuite(harness);
    transactionsSuite(harness);
    concurrencySuite(harness);
  });
}
