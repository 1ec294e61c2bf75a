// Work that runs in the background when kicked, never twice at once: a kick while it runs makes
// it run once more afterwards, so no kick is lost and none waits. `close` takes no more kicks
// and waits for the run in progress. Used by the Stripe inbox's drains and auto-refill's checks.
export class KickedWork {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly work: () => Promise<unknown>,
    /** A failed run is reported here; the next kick runs the work again. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts a run in the background, or asks the running one to go round once more. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runUntilQuiet().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when no kicked run is going on. */
  whenIdle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.whenIdle();
  }

  private async runUntilQuiet(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.work();
      } catch (error) {
        this.onError(error);
      }
    } while (this.again && !this.closed);
  }
}
