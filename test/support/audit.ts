// The one audit helper of the test suite: every money test ends by asking the ledger's own
// auditor (src/ledger/audit.ts), which recomputes each cached figure from the entries, whether
// the books still balance. Gateway and ledger tests reach it through their support files.
import { expect } from 'bun:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import * as ledger from '../../src/ledger/service';

/** What the auditor finds wrong with the books of `db`; empty when they balance. */
export async function ledgerProblems(db: Kysely<Database>): Promise<string[]> {
  const report = await ledger.auditLedger(db);
  // A report that says ok while listing problems (or the reverse) is itself a bug.
  expect(report.ok).toBe(report.problems.length === 0);
  return report.problems;
}

/** Fails the test unless the books of `db` balance, listing what does not. */
export async function expectAuditClean(db: Kysely<Database>): Promise<void> {
  expect(await ledgerProblems(db)).toEqual([]);
}
