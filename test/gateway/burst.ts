// Load helpers for the concurrency tests: run many requests with a bounded number in flight,
// and watch a wallet while they run.
import OpenAI from 'openai';
import type { GatewayFixture } from './support';

export interface Outcome {
  status: number;
  code: string | null;
}

/** Runs `tasks` with at most `limit` in flight at once; results keep the tasks' order. */
export async function runWithConcurrency<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The HTTP status of one SDK call: 200, or the status and code of the APIError it threw. */
export async function outcomeOf(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { status: 200, code: null };
  } catch (error) {
    if (error instanceof OpenAI.APIError) return { status: error.status ?? 0, code: (error.code as string | null) ?? null };
    throw error;
  }
}

export interface WalletWatch {
  /** Stops watching; returns every (balance, reserved) pair seen. */
  stop: () => Promise<{ balanceMicros: bigint; reservedMicros: bigint }[]>;
}

/** Samples an account's wallet row every few milliseconds until stopped. */
export function watchWallet(fixture: GatewayFixture, accountId: string, everyMs = 10): WalletWatch {
  const samples: { balanceMicros: bigint; reservedMicros: bigint }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const row = await fixture.testApp.context.db
        .selectFrom('wallets')
        .select(['balance_micros', 'reserved_micros'])
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      samples.push({ balanceMicros: BigInt(row.balance_micros), reservedMicros: BigInt(row.reserved_micros) });
      await Bun.sleep(everyMs);
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
