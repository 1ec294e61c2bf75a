// What a fault run did to the books, read from the database after it: every response a client saw
// complete must have exactly one posted charge of the cost it was told, no request may be charged
// twice, and what the upstream served but nobody paid for (requests in flight at a crash) is
// counted and priced, so the tests can report it instead of hiding it.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema';
import type { RecordedRequest } from '../support/fake-upstream';
import type { Outcome } from './load';

export interface BooksReport {
  /** Responses the clients saw complete. */
  completed: number;
  /** Problems with those: a completed response without exactly one posted charge of its cost, a request charged twice. */
  problems: string[];
  /** Requests the upstream served (in part or whole) that have no posted charge: the credit lost in flight. */
  unchargedServed: number;
  /** What those would have cost, priced like a completed request of the same kind. */
  unchargedMicros: bigint;
  /** Requests charged whose client never saw the end (the crash came between the charge and the last byte). */
  chargedUnseen: number;
}

export async function readBooks(db: Kysely<Database>, accountId: string, outcomes: Outcome[], served: RecordedRequest[]): Promise<BooksReport> {
  const rows = await db.selectFrom('usage_records').select(['request_id', 'charge_status', 'cost_micros']).where('account_id', '=', accountId).execute();
  const byRequest = new Map<string, { status: string | null; costMicros: bigint }[]>();
  for (const row of rows) {
    const list = byRequest.get(row.request_id) ?? [];
    list.push({ status: row.charge_status, costMicros: BigInt(row.cost_micros) });
    byRequest.set(row.request_id, list);
  }
  const problems: string[] = [];
  for (const [requestId, list] of byRequest) {
    if (list.length > 1) problems.push(`request ${requestId} has ${list.length} usage records`);
  }
  const completed = outcomes.filter((outcome) => outcome.costMicros !== null);
  for (const outcome of completed) {
    const posted = (byRequest.get(outcome.requestId) ?? []).filter((row) => row.status === 'posted');
    if (posted.length !== 1) problems.push(`completed request ${outcome.requestId} has ${posted.length} posted charges`);
    else if (posted[0]!.costMicros !== outcome.costMicros) problems.push(`request ${outcome.requestId} was told ${outcome.costMicros} but charged ${posted[0]!.costMicros}`);
  }
  const priceOf = typicalCosts(completed);
  const seen = new Set(completed.map((outcome) => outcome.requestId));
  const kinds = new Map(outcomes.map((outcome) => [outcome.requestId, outcome.stream]));
  let unchargedServed = 0;
  let unchargedMicros = 0n;
  for (const request of served) {
    const requestId = request.headers['x-request-id'];
    if (!requestId || !kinds.has(requestId)) continue;
    if ((byRequest.get(requestId) ?? []).some((row) => row.status === 'posted')) continue;
    unchargedServed += 1;
    unchargedMicros += priceOf(kinds.get(requestId)!);
  }
  const chargedUnseen = [...byRequest].filter(([requestId, list]) => !seen.has(requestId) && list.some((row) => row.status === 'posted')).length;
  return { completed: completed.length, problems, unchargedServed, unchargedMicros, chargedUnseen };
}

/** The cost of a completed stream and of a completed JSON answer (every request of a kind is the same). */
function typicalCosts(completed: Outcome[]): (stream: boolean) => bigint {
  const streamCost = completed.find((outcome) => outcome.stream)?.costMicros ?? 0n;
  const jsonCost = completed.find((outcome) => !outcome.stream)?.costMicros ?? streamCost;
  return (stream) => (stream ? streamCost || jsonCost : jsonCost);
}

/** Open leases and pending holds of the account, and its wallet's reserved figure: all 0 once swept. */
export async function reservedOf(db: Kysely<Database>, accountId: string): Promise<{ openLeases: number; pendingHolds: number; reservedMicros: bigint }> {
  const [leases, holds, wallet] = await Promise.all([
    db.selectFrom('leases').select('id').where('account_id', '=', accountId).where('status', '=', 'open').execute(),
    db.selectFrom('holds').select('id').where('account_id', '=', accountId).where('status', '=', 'pending').execute(),
    db.selectFrom('wallets').select('reserved_micros').where('account_id', '=', accountId).executeTakeFirst(),
  ]);
  return { openLeases: leases.length, pendingHolds: holds.length, reservedMicros: BigInt(wallet?.reserved_micros ?? 0) };
}

/** Polls until nothing of the account is reserved any more, or `ms` pass; returns the last reading. */
export async function waitUntilSwept(db: Kysely<Database>, accountId: string, ms: number): ReturnType<typeof reservedOf> {
  const deadline = Date.now() + ms;
  for (;;) {
    const reading = await reservedOf(db, accountId);
    const clear = reading.openLeases === 0 && reading.pendingHolds === 0 && reading.reservedMicros === 0n;
    if (clear || Date.now() > deadline) return reading;
    await Bun.sleep(200);
  }
}
