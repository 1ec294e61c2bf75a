// The ledger auditor: recomputes every cached figure from the append-only entries and reports
// any difference. Tests run it after every money scenario; the benchmark runs it after a load.
import { sql, type Kysely } from 'kysely';
import { readSnapshot } from '../db/dialect';
import type { Database } from '../db/schema';
import { auditUsageRollups } from '../usage/audit-rollups';
import { auditRequestRows } from './audit-requests';

export interface AuditReport {
  ok: boolean;
  problems: string[];
}

/** Audits one consistent snapshot: a ledger being written meanwhile is seen before or after each write, never halfway. */
export function auditLedger(db: Kysely<Database>): Promise<AuditReport> {
  return readSnapshot(db, auditSnapshot);
}

async function auditSnapshot(db: Kysely<Database>): Promise<AuditReport> {
  const problems: string[] = [];
  const unbalanced = await sql<{ transaction_id: string; total: bigint }>`
    SELECT transaction_id, SUM(amount_micros) AS total FROM ledger_entries
    GROUP BY transaction_id HAVING SUM(amount_micros) <> 0`.execute(db);
  for (const row of unbalanced.rows) problems.push(`transaction ${row.transaction_id} entries sum to ${row.total}, not 0`);

  const wallets = await sql<{ account_id: string; balance_micros: bigint; reserved_micros: bigint; entries: bigint | null; grants: bigint | null; held: bigint | null; leased: bigint | null }>`
    SELECT w.account_id, w.balance_micros, w.reserved_micros,
      (SELECT SUM(e.amount_micros) FROM ledger_entries e WHERE e.account_id = w.account_id AND e.book = 'grant') AS entries,
      (SELECT SUM(g.remaining_micros) FROM grants g WHERE g.account_id = w.account_id) AS grants,
      (SELECT SUM(h.amount_micros) FROM holds h WHERE h.account_id = w.account_id AND h.status = 'pending') AS held,
      (SELECT SUM(l.amount_micros) FROM leases l WHERE l.account_id = w.account_id AND l.status = 'open') AS leased
    FROM wallets w`.execute(db);
  for (const row of wallets.rows) {
    const balance = BigInt(row.balance_micros);
    const reserved = BigInt(row.reserved_micros);
    if (balance < 0n) problems.push(`wallet ${row.account_id} balance is negative: ${balance}`);
    if (balance !== BigInt(row.entries ?? 0)) problems.push(`wallet ${row.account_id} balance ${balance} != entries ${row.entries ?? 0}`);
    if (balance !== BigInt(row.grants ?? 0)) problems.push(`wallet ${row.account_id} balance ${balance} != grants ${row.grants ?? 0}`);
    if (reserved !== BigInt(row.held ?? 0)) problems.push(`wallet ${row.account_id} reserved ${reserved} != pending holds ${row.held ?? 0}`);
    const balanceAfterReservations = balance - reserved - BigInt(row.leased ?? 0);
    if (balanceAfterReservations < 0n) problems.push(`wallet ${row.account_id} holds and leases (${reserved} + ${row.leased ?? 0}) exceed its balance ${balance}`);
  }

  const grants = await sql<{ id: string; remaining_micros: bigint; reserved_micros: bigint; entries: bigint | null }>`
    SELECT g.id, g.remaining_micros, g.reserved_micros,
      (SELECT SUM(e.amount_micros) FROM ledger_entries e WHERE e.book = 'grant' AND e.ledger_account = g.id) AS entries
    FROM grants g`.execute(db);
  const heldByGrant = await reservationsByGrant(db);
  for (const row of grants.rows) {
    if (BigInt(row.remaining_micros) !== BigInt(row.entries ?? 0)) problems.push(`grant ${row.id} remaining ${row.remaining_micros} != entries ${row.entries ?? 0}`);
    const held = heldByGrant.get(row.id) ?? 0n;
    if (BigInt(row.reserved_micros) !== held) problems.push(`grant ${row.id} reserved ${row.reserved_micros} != allocations of pending holds and open leases ${held}`);
  }

  const posted = await sql<{ id: string; status: string; posted_micros: bigint | null; charges: bigint; charged: bigint | null }>`
    SELECT h.id, h.status, h.posted_micros,
      (SELECT COUNT(*) FROM ledger_transactions t WHERE t.hold_id = h.id AND t.kind = 'charge') AS charges,
      (SELECT SUM(t.amount_micros) FROM ledger_transactions t WHERE t.hold_id = h.id AND t.kind = 'charge') AS charged
    FROM holds h`.execute(db);
  for (const row of posted.rows) {
    const charges = Number(row.charges);
    const expected = row.status === 'posted' ? 1 : 0;
    if (charges !== expected) problems.push(`hold ${row.id} (${row.status}) has ${charges} charges, expected ${expected}`);
    if (row.posted_micros !== null && BigInt(row.posted_micros) !== BigInt(row.charged ?? 0)) {
      problems.push(`hold ${row.id} posted ${row.posted_micros} but its charge is ${row.charged ?? 0}`);
    }
  }
  problems.push(...(await auditRequestRows(db)));
  problems.push(...(await auditUsageRollups(db)));
  return { ok: problems.length === 0, problems };
}

/** What pending holds and open leases hold against each grant, from their allocation lists. */
async function reservationsByGrant(db: Kysely<Database>): Promise<Map<string, bigint>> {
  const holds = await db.selectFrom('holds').select('allocations').where('status', '=', 'pending').execute();
  const leases = await db.selectFrom('leases').select('allocations').where('status', '=', 'open').execute();
  const held = new Map<string, bigint>();
  for (const { allocations } of [...holds, ...leases]) {
    for (const item of JSON.parse(allocations) as { grant_id: string; micros: string }[]) {
      held.set(item.grant_id, (held.get(item.grant_id) ?? 0n) + BigInt(item.micros));
    }
  }
  return held;
}
