// The main thread's end of one SQLite worker: posts requests, matches replies by id, and turns a
// worker that dies into errors for everything still waiting on it, never a hang.
import { dataToError, encodeBatch, type BatchStatement, type Reply, type Request, type StatementResult, type WorkerRole, type CheckpointPolicy } from './sqlite-protocol';

// Run from source, the worker is this module's sibling. In the compiled binary every module's
// import.meta.url is the binary's, at the root of its embedded files, where the worker (a second
// entry point of `bun run build`) sits at its path under src/.
const WORKER_URL = import.meta.url.endsWith('/sqlite-worker-client.ts')
  ? new URL('./sqlite-worker.ts', import.meta.url)
  : new URL('./db/sqlite-worker.ts', import.meta.url);

interface Waiter {
  resolve: (result: StatementResult) => void;
  reject: (error: Error) => void;
}

export class SqliteWorkerClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 1;
  /** Set once the worker is closing or gone: every later request fails with it. */
  #stopped: Error | null = null;

  /** Starts a worker and opens its connection; throws what opening threw (a bad path, a locked file). */
  static async open(role: WorkerRole, path: string, policy: CheckpointPolicy): Promise<SqliteWorkerClient> {
    const client = new SqliteWorkerClient();
    try {
      await client.request({ kind: 'open', role, path, policy });
      return client;
    } catch (error) {
      client.terminate();
      throw error;
    }
  }

  private constructor() {
    // Unreferenced while idle, so an open handle alone never keeps the process alive; referenced
    // while a reply is awaited, so the process does not exit under a query.
    this.#worker = new Worker(WORKER_URL, { ref: false });
    this.#worker.addEventListener('message', (event: MessageEvent<Reply>) => this.#settle(event.data));
    this.#worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      this.#stop(new Error(`the SQLite worker failed: ${event.message}`));
      this.#worker.terminate();
    });
    this.#worker.addEventListener('close', () => this.#stop(new Error('the SQLite worker stopped')));
  }

  query(sql: string, parameters: readonly unknown[]): Promise<StatementResult> {
    return this.request({ kind: 'query', sql, parameters });
  }

  /** Runs the statements as one transaction on the worker, in one message (sqlite-connection.ts runBatch). */
  batch(statements: readonly BatchStatement[]): Promise<StatementResult> {
    return this.request({ kind: 'batchText', text: encodeBatch(statements) });
  }

  /** Lets the requests already sent finish, closes the connection, then ends the thread. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    const closing = this.request({ kind: 'close' });
    this.#stopped = new Error('the SQLite database is closed');
    try {
      await closing;
    } finally {
      this.terminate();
    }
  }

  /** Ends the thread at once; whatever it had not answered fails. */
  terminate(): void {
    this.#stop(new Error('the SQLite worker was terminated'));
    this.#worker.terminate();
  }

  private request(request: Request): Promise<StatementResult> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  #settle(reply: Reply): void {
    const waiter = this.#waiting.get(reply.id);
    if (!waiter) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(dataToError(reply.error));
  }

  #stop(reason: Error): void {
    this.#stopped ??= reason;
    for (const waiter of this.#waiting.values()) waiter.reject(reason);
    if (this.#waiting.size > 0) this.#worker.unref();
    this.#waiting.clear();
  }
}
