// What ties a request to its client while it is served: the abort that stops the upstream (the
// client left, or the stream ran past its deadline) and the listener and timer that trigger it.
// Each stage ends them where it stops needing them; the handler's last resort ends them on a throw.
export class Exchange {
  readonly abort = new AbortController();
  private deadline: ReturnType<typeof setTimeout> | undefined;
  /** The deadline, not the client, stopped the request: the client is still there for an answer. */
  timedOut = false;
  private readonly onClientAbort = () => this.abort.abort();

  /** Listens for the client leaving from here on: a client that gave up must not be forwarded, nor charged. */
  constructor(readonly request: Request) {
    request.signal.addEventListener('abort', this.onClientAbort, { once: true });
  }

  /** Bounds the rest of the request (forwarding and the whole stream) to `seconds`. */
  startDeadline(seconds: number): void {
    this.deadline = setTimeout(() => {
      this.timedOut = true;
      this.abort.abort();
    }, seconds * 1000);
  }

  stopDeadline(): void {
    clearTimeout(this.deadline);
  }

  /** Stops the deadline and stops listening for the client: the request is over. */
  end(): void {
    this.stopDeadline();
    this.request.signal.removeEventListener('abort', this.onClientAbort);
  }
}
