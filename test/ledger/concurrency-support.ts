// Helpers for the ledger's concurrency tests: extra database handles (as separate gateway
// processes would have), a wallet watcher that samples balances while requests race, and
// splitting calls between handles.
import { expect } from 'bun:test';
import type { Kysely } from 'kysely';
import { openDatabase, type DbHandle } from '../../src/db';
import type { Database } from '../../src/db/schema';
import { ApiError } from '../../src/errors';
import type { LedgerFixture } from './support';

/** Opens `count` more handles on the fixture's database, each with its own connection pool. */
export function openMoreHandles(fixture: LedgerFixture, count: number): DbHandle[] {
  return Array.from({ length: count }, () => openDatabase({ url: fixture.database.url, dataDir: fixture.database.dataDir, poolSize: 8 }));
}

/** Call number `index` goes to handle `index mod n`, so every handle gets its share. */
export function handleFor(handles: Kysely<Database>[], index: number): Kysely<Database> {
  return handles[index % handles.length]!;
}

export interface WalletSample {
  balanceMicros: bigint;
  reservedMicros: bigint;
}

/** Samples the wallet row until stopped; the samples show what other readers could have seen. */
export function watchWallet(db: Kysely<Database>, accountId: string): { stop: () => Promise<WalletSample[]> } {
  const samples: WalletSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const row = await db.selectFrom('wallets').select(['balance_micros', 'reserved_micros']).where('account_id', '=', accountId).executeTakeFirst();
      if (row) samples.push({ balanceMicros: BigInt(row.balance_micros), reservedMicros: BigInt(row.reserved_micros) });
      await Bun.sleep(1);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

export function expectSamplesNeverNegative(samples: WalletSample[]): void {
  expect(samples.length).toBeGreaterThan(0);
  const bad = samples.filter((sample) => sample.balanceMicros < 0n || sample.reservedMicros < 0n || sample.reservedMicros > sample.balanceMicros);
  expect(bad).toEqual([]);
}

/** The codes of rejected calls, counted; anything but an ApiError is rethrown as a bug. */
export function countRejections(results: PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    if (!(result.reason instanceof ApiError)) throw result.reason;
    const label = `${result.reason.status} ${result.reason.code}`;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

export function fulfilled<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
}
