// Shrink-on-demand made deterministic for the meter's model test. The meter's reserve loop
// sleeps between attempts while other processes answer its asks for their leases (their 100 ms
// poll, driven here by hand like every timer of the test); the test turns each such sleep into
// one round of answers, in the order the model (meter-model-grow.ts) assumes.
import { RECLAIM_WAIT_MS } from './meter-model-grow';
import type { MeterRun, Proc } from './meter-run';

/** The meter's sleep between reserve attempts while asks are out (RECLAIM_RETRY_MS of meter-slots.ts). */
const RECLAIM_RETRY_MS = 25;

/**
 * Runs `reserve` with the meter's reclaim wait made deterministic. A reserve short of credit
 * asks other processes for their leases back and sleeps RECLAIM_RETRY_MS between attempts; each
 * of those sleeps here is one round of answers instead: every running process with a stamped
 * lease polls once (its 100 ms timer) and finishes; when only dead processes' stamps are left,
 * the clock moves past the meter's wait (RECLAIM_WAIT_MS), as the model does.
 */
export async function whileAnswering<T>(run: MeterRun, proc: Proc, reserve: () => Promise<T>): Promise<T> {
  const realSleep = Bun.sleep;
  let rounds = 0;
  const answerRound = async () => {
    // A stamp no poll answers would make the meter retry for ever under the test's still clock.
    if (++rounds > 20) throw new Error('reserve: the asks for leases back were never answered');
    const stamped = await run.db.selectFrom('leases').select('owner').where('account_id', '=', run.accountId).where('status', '=', 'open').where('reclaim_requested_at_ms', 'is not', null).execute();
    const answering = run.processes.filter((other) => other !== proc && stamped.some((row) => row.owner === other.model.owner));
    if (answering.length === 0) {
      run.clock.nowMs += RECLAIM_WAIT_MS;
      return;
    }
    for (const other of answering) {
      other.real.pollReclaims();
      await other.real.idle();
    }
  };
  Bun.sleep = ((ms: number | Date) => (ms === RECLAIM_RETRY_MS ? answerRound() : realSleep(ms))) as typeof Bun.sleep;
  try {
    return await reserve();
  } finally {
    Bun.sleep = realSleep;
  }
}
