// The auditor's part for the lean write path (charge-rows.ts): request rows and the batch
// transactions they reference must agree to the micro, grant by grant.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

/**
 * The lean write path's rows: each posted request's draws sum to its cost and its batch
 * transaction exists; each batch transaction's amount, request count and per-grant entries are
 * exactly the sums of the request rows that reference it.
 */
export async function auditRequestRows(db: Kysely<Database>): Promise<string[]> {
  const problems: string[] = [];
  const requests = await db.selectFrom('usage_records').select(['id', 'charge_status', 'cost_micros', 'draws', 'transaction_id']).where('charge_status', 'is not', null).execute();
  const batches = await db.selectFrom('ledger_transactions').select(['id', 'amount_micros', 'request_count']).where('request_count', 'is not', null).execute();
  const entries = await db
    .selectFrom('ledger_entries')
    .innerJoin('ledger_transactions', 'ledger_transactions.id', 'ledger_entries.transaction_id')
    .select(['ledger_entries.transaction_id', 'ledger_entries.ledger_account', 'ledger_entries.amount_micros'])
    .where('ledger_transactions.request_count', 'is not', null)
    .where('ledger_entries.book', '=', 'grant')
    .execute();
  const sums = new Map<string, { count: number; micros: bigint; byGrant: Map<string, bigint> }>();
  for (const row of requests) {
    const cost = BigInt(row.cost_micros);
    const draws = JSON.parse(row.draws) as { grant_id: string; micros: string }[];
    const drawn = draws.reduce((sum, draw) => sum + BigInt(draw.micros), 0n);
    if (drawn !== cost) problems.push(`request ${row.id} draws ${drawn} but costs ${cost}`);
    if (row.charge_status === 'voided' && (cost !== 0n || row.transaction_id !== null)) problems.push(`request ${row.id} is voided but charged ${cost} in ${row.transaction_id}`);
    if (row.charge_status !== 'posted' || row.transaction_id === null) continue;
    const sum = sums.get(row.transaction_id) ?? { count: 0, micros: 0n, byGrant: new Map() };
    sum.count++;
    sum.micros += cost;
    for (const draw of draws) sum.byGrant.set(draw.grant_id, (sum.byGrant.get(draw.grant_id) ?? 0n) + BigInt(draw.micros));
    sums.set(row.transaction_id, sum);
  }
  const batchIds = new Set(batches.map((batch) => batch.id));
  for (const row of requests) {
    if (row.charge_status === 'posted' && (row.transaction_id === null || !batchIds.has(row.transaction_id))) problems.push(`request ${row.id} is posted without its batch transaction`);
  }
  const entriesByBatch = new Map<string, Map<string, bigint>>();
  for (const entry of entries) {
    const byGrant = entriesByBatch.get(entry.transaction_id) ?? new Map<string, bigint>();
    byGrant.set(entry.ledger_account, (byGrant.get(entry.ledger_account) ?? 0n) - BigInt(entry.amount_micros));
    entriesByBatch.set(entry.transaction_id, byGrant);
  }
  for (const batch of batches) {
    const sum = sums.get(batch.id) ?? { count: 0, micros: 0n, byGrant: new Map<string, bigint>() };
    if (BigInt(batch.amount_micros) !== sum.micros) problems.push(`batch transaction ${batch.id} is ${batch.amount_micros} but its requests sum to ${sum.micros}`);
    if (BigInt(batch.request_count!) !== BigInt(sum.count)) problems.push(`batch transaction ${batch.id} counts ${batch.request_count} requests, ${sum.count} reference it`);
    const byGrant = entriesByBatch.get(batch.id) ?? new Map<string, bigint>();
    for (const grantId of new Set([...byGrant.keys(), ...sum.byGrant.keys()])) {
      const entered = byGrant.get(grantId) ?? 0n;
      const drawn = sum.byGrant.get(grantId) ?? 0n;
      if (entered !== drawn) problems.push(`batch transaction ${batch.id} takes ${entered} from grant ${grantId}, its requests drew ${drawn}`);
    }
  }
  return problems;
}
