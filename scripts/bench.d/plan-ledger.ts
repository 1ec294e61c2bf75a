// After the run, the plan-billed requests' side of the ledger check: a plan key never touches the
// wallet, so each of its requests left a usage record at cost 0 that names no charge, no hold
// and no transaction, its account has no ledger transaction but its grants (the trial credit)
// and no hold, and there are as many records as the clients were answered (at least every 2xx,
// at most those plus what was left in flight). With no plan target, there is nothing to find.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../src/db/schema';
import type { ClientResults } from './clients';

export interface PlanRecords {
  problems: string[];
  /** Plan-billed usage records that say the request was served. */
  served: number;
}

export async function checkPlanRecords(db: Kysely<Database>, clients: ClientResults): Promise<PlanRecords> {
  const count = async (query: RawBuilder<{ n: bigint }>) => Number((await query.execute(db)).rows[0]?.n ?? 0);
  const planAccounts = sql`SELECT DISTINCT account_id FROM usage_records WHERE billing = 'plan'`;
  const served = await count(sql`SELECT COUNT(*) AS n FROM usage_records WHERE billing = 'plan' AND outcome = 'ok'`);
  const moving = await count(sql`
    SELECT COUNT(*) AS n FROM usage_records WHERE billing = 'plan'
      AND (cost_micros <> 0 OR charge_status IS NOT NULL OR hold_id IS NOT NULL OR transaction_id IS NOT NULL)`);
  const moves = await count(sql`SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind <> 'grant' AND account_id IN (${planAccounts})`);
  const holds = await count(sql`SELECT COUNT(*) AS n FROM holds WHERE account_id IN (${planAccounts})`);
  const problems: string[] = [];
  const expect = (condition: boolean, problem: string) => condition || problems.push(problem);
  expect(moving === 0, `${moving} plan-billed usage records cost something or name a charge, hold or transaction`);
  expect(moves === 0, `the plan-billed accounts have ${moves} ledger transactions besides their grants`);
  expect(holds === 0, `the plan-billed accounts have ${holds} holds`);
  expect(served >= clients.served2xx, `lost plan requests: clients got ${clients.served2xx} answers 2xx but only ${served} were recorded`);
  expect(served <= clients.served2xx + clients.inFlightMax, `${served} plan-billed records exceed the ${clients.served2xx} answers plus ${clients.inFlightMax} requests in flight`);
  return { problems, served };
}
