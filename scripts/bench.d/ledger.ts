// After the run: does the ledger still balance, and was every request that inferport served
// charged exactly once? Runs the ledger auditor, then matches charges against usage records,
// their batch transactions and what the load generators saw; and the plan-billed requests (the
// target `<database>_plan`, when there was one) against their records, which move no money.
// Prints one JSON object; exits 1 on any problem.
// Usage: DATABASE_URL=… bun ledger.ts WORK_DIR postgres
//        BENCH_DATA_DIR=… bun ledger.ts WORK_DIR sqlite      (the embedded database in that directory)
// inferport must have stopped: nothing in flight.
import { sql, type RawBuilder } from 'kysely';
import { openDatabase } from '../../src/db/index';
import { auditLedger } from '../../src/ledger/audit';
import { countClientResults } from './clients';
import { checkPlanRecords } from './plan-ledger';

const [workDir, targetArg] = process.argv.slice(2);
const url = process.env.DATABASE_URL || null;
const dataDir = process.env.BENCH_DATA_DIR;
const target = targetArg === 'postgres' || targetArg === 'sqlite' ? targetArg : null;
if (!workDir || !target || !(target === 'postgres' ? url : !url && dataDir)) {
  throw new Error('usage: DATABASE_URL=… bun ledger.ts WORK_DIR postgres, or BENCH_DATA_DIR=… bun ledger.ts WORK_DIR sqlite');
}

const clients = countClientResults(workDir, target);
const planClients = countClientResults(workDir, `${target}_plan`);
const handle = openDatabase({ url, dataDir: dataDir ?? workDir, poolSize: 1 });
if (handle.kind !== target) throw new Error(`opened ${handle.kind}, not ${target}`);
const count = async (query: RawBuilder<{ n: bigint }>) => Number((await query.execute(handle.db)).rows[0]?.n ?? 0);
const audit = await auditLedger(handle.db);
const chargedMicros = await count(sql`SELECT COALESCE(SUM(amount_micros), 0) AS n FROM ledger_transactions WHERE kind = 'charge'`);
const grantedMicros = await count(sql`SELECT COALESCE(SUM(amount_micros), 0) AS n FROM ledger_transactions WHERE kind = 'grant'`);
const otherMoves = await count(sql`SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind NOT IN ('grant', 'charge')`);
const balanceMicros = await count(sql`SELECT COALESCE(SUM(balance_micros), 0) AS n FROM wallets`);
// Each charged request is one usage record (charge_status 'posted', its cost and draws) that
// names its batch transaction; a batch transaction's request_count says how many it sums.
const recordedCostMicros = await count(sql`SELECT COALESCE(SUM(cost_micros), 0) AS n FROM usage_records WHERE charge_status = 'posted'`);
const chargedRecords = await count(sql`SELECT COUNT(*) AS n FROM usage_records WHERE charge_status = 'posted'`);
const charges = chargedRecords;
const batchedRequests = await count(sql`SELECT COALESCE(SUM(request_count), 0) AS n FROM ledger_transactions WHERE kind = 'charge'`);
const okUncharged = await count(sql`SELECT COUNT(*) AS n FROM usage_records WHERE outcome = 'ok' AND billing = 'credits' AND charge_status IS DISTINCT FROM 'posted'`);
const unbatched = await count(sql`SELECT COUNT(*) AS n FROM usage_records u WHERE u.charge_status = 'posted' AND NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = u.transaction_id)`);
const byOutcome = await sql<{ outcome: string; status_code: number; n: bigint }>`
  SELECT outcome, status_code, COUNT(*) AS n FROM usage_records GROUP BY outcome, status_code ORDER BY n DESC`.execute(handle.db);
const byHoldStatus = await sql<{ status: string; n: bigint }>`SELECT status, COUNT(*) AS n FROM holds GROUP BY status`.execute(handle.db);
const plan = await checkPlanRecords(handle.db, planClients);
await handle.close();

const holds = Object.fromEntries(byHoldStatus.rows.map((row) => [row.status, Number(row.n)]));
const problems = [...audit.problems, ...plan.problems];
const expect = (condition: boolean, problem: string) => condition || problems.push(problem);
expect((holds.pending ?? 0) === 0, `${holds.pending} holds are still pending after inferport stopped`);
expect(batchedRequests === chargedRecords, `the batch transactions sum ${batchedRequests} requests but ${chargedRecords} usage records are charged`);
expect(unbatched === 0, `${unbatched} charged usage records name no batch transaction`);
expect(okUncharged === 0, `${okUncharged} usage records with outcome ok have no charge`);
expect(chargedMicros === recordedCostMicros, `charged ${chargedMicros} micros but the usage records say ${recordedCostMicros}`);
expect(otherMoves > 0 || grantedMicros - chargedMicros === balanceMicros, `granted ${grantedMicros} − charged ${chargedMicros} ≠ balance ${balanceMicros}`);
// Every 2xx a client saw must be charged; charges beyond those can only be requests that wrk
// abandoned at its deadline (at most one per connection per run) and inferport still completed.
expect(charges >= clients.served2xx, `lost charges: clients got ${clients.served2xx} answers 2xx but only ${charges} were charged`);
expect(charges <= clients.served2xx + clients.inFlightMax, `${charges} charges exceed the ${clients.served2xx} answers plus ${clients.inFlightMax} requests in flight`);

const ok = problems.length === 0;
const abandoned = charges - clients.served2xx;
const planPart = plan.served > 0 ? `; ${plan.served} plan-billed requests recorded at cost 0, none charged (${planClients.served2xx} answered to the clients)` : '';
const summary = ok
  ? `ledger (${target}): balanced, ${charges} charges = ${charges} requests served (${clients.served2xx} answered to the clients, ${abandoned} completed after wrk stopped waiting)${planPart}`
  : `ledger (${target}): NOT BALANCED: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`;
console.log(
  JSON.stringify({
    ok,
    database: target,
    summary,
    problems,
    charges,
    charged_micros: chargedMicros,
    granted_micros: grantedMicros,
    balance_micros: balanceMicros,
    clients_2xx: clients.served2xx,
    clients_non_2xx: clients.non2xx,
    clients_in_flight_max: clients.inFlightMax,
    plan_billed: { served: plan.served, clients_2xx: planClients.served2xx, clients_non_2xx: planClients.non2xx, clients_in_flight_max: planClients.inFlightMax },
    holds,
    usage_records: byOutcome.rows.map((row) => ({ outcome: row.outcome, status_code: Number(row.status_code), count: Number(row.n) })),
  }),
);
process.exit(ok ? 0 : 1);
