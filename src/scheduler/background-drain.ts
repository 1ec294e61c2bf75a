import { log } from '../logs/logger';
// Work drained in the background when kicked (the Stripe inbox after an event is stored,
// receipts after a purchase commits, auto-refill's checks after a charge): one drain at a time, and a kick while one runs makes it
// go round once more, so what arrived meanwhile does not wait for the scheduler's next tick.
export class BackgroundDrain {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  /** `what` names the work in the log line of a drain that failed ("draining the Stripe inbox"). */
  constructor(
    private readonly drainOnce: () => Promise<unknown>,
    private readonly what: string,
  ) {}

  /** Starts a drain in the background, or asks the running one to go round once more. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drainUntilQuiet().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when no kicked drain is running. */
  whenIdle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Takes no more kicks and waits for the running drain. */
  async close(): Promise<void> {
    this.closed = true;
    await this.whenIdle();
  }

  private async drainUntilQuiet(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.drainOnce();
      } catch (error) {
        // The database is down, most likely; the work waits for the next drain.
        log.error(`[inferport] ${this.what} failed; will retry`, error);
      }
    } while (this.again && !this.closed);
  }
}

/**
 * Handles the ids `listDue` answers, one batch of `batchSize` at a time, until a batch comes back
 * short or `batchesMax` batches ran (a drain's bound); answers each id's outcome.
 */
export async function drainInBatches<Outcome>(
  listDue: (limit: number) => Promise<string[]>,
  handle: (id: string) => Promise<Outcome>,
  bounds: { batchSize: number; batchesMax: number },
): Promise<Record<string, Outcome>> {
  const outcomes: Record<string, Outcome> = {};
  for (let batch = 0; batch < bounds.batchesMax; batch++) {
    const due = await listDue(bounds.batchSize);
    for (const id of due) outcomes[id] = await handle(id);
    if (due.length < bounds.batchSize) break;
  }
  return outcomes;
}
