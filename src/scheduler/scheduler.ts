import { log } from '../logs/logger';
// The one scheduler of periodic work (issue 11): the ledger sweep, the Stripe inbox drains, and
// whatever later jobs register (refill retries, receipts, expiry). Each job runs on its own
// interval, never overlapping itself; a job that throws is logged and runs again next time.
// Jobs keep their own batches bounded and are safe with several replicas running them at once
// (row locks, claims or idempotency keys): the scheduler only decides when, per process.

export interface Job {
  name: string;
  intervalMs: number;
  /** Runs once at start too, instead of waiting a whole interval (work a stopped process left). */
  runAtStart?: boolean;
  run: (nowMs: number) => Promise<void>;
}

export class Scheduler {
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly running = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly jobs: readonly Job[],
    private readonly now: () => number,
  ) {
    const names = new Set(jobs.map((job) => job.name));
    if (names.size !== jobs.length) throw new Error('scheduler: two jobs share a name');
  }

  start(): void {
    for (const job of this.jobs) {
      const timer = setInterval(() => void this.runJob(job), job.intervalMs);
      timer.unref();
      this.timers.push(timer);
      if (job.runAtStart) void this.runJob(job);
    }
  }

  /** Runs one job now (tests, and callers that know work just arrived); skipped if it is running. */
  runNow(name: string): Promise<void> {
    const job = this.jobs.find((candidate) => candidate.name === name);
    if (!job) throw new Error(`scheduler: no job named ${name}`);
    return this.runJob(job);
  }

  /** Stops the timers and waits for the runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private runJob(job: Job): Promise<void> {
    if (this.stopped || this.running.has(job.name)) return Promise.resolve();
    this.running.add(job.name);
    const run = (async () => {
      try {
        await job.run(this.now());
      } catch (error) {
        log.error(`[inferport] scheduled job ${job.name} failed; it runs again in ${job.intervalMs} ms`, error);
      } finally {
        this.running.delete(job.name);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }
}
