// The messages between the main thread and an SQLite worker (sqlite-worker.ts). Every request
// carries an id and gets exactly one reply with it; values cross by structured clone, which keeps
// bigint (all money, with safeIntegers) and Uint8Array intact.

/** A writer owns the connection every statement runs on; a checkpointer only checkpoints. */
export type WorkerRole = 'writer' | 'checkpointer';

export interface CheckpointPolicy {
  /** How often the checkpointer copies the WAL into the database (PASSIVE: writers never wait). */
  intervalMs: number;
  /** A WAL this many frames long is restarted (RESTART: writers wait the moment it takes). */
  restartFrames: number;
  /** After this many quiet intervals with the WAL fully copied, it is truncated to zero bytes. */
  idleIntervalsBeforeTruncate: number;
}

/** A statement of a batch; `changes`, when set, is a guard: any other row count fails the batch. */
export interface BatchStatement {
  sql: string;
  parameters: readonly unknown[];
  changes?: number;
  /** What the guard protects, for the error message. */
  what?: string;
}

export type Request =
  | { kind: 'open'; role: WorkerRole; path: string; policy: CheckpointPolicy }
  | { kind: 'query'; sql: string; parameters: readonly unknown[] }
  | { kind: 'batch'; statements: readonly BatchStatement[] }
  | { kind: 'close' };

export interface StatementResult {
  rows: unknown[];
  changes?: number | bigint;
  lastInsertRowid?: number | bigint;
}

/** An Error as plain data: structured clone would keep the message but drop SQLite's code. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string;
  errno?: number;
}

export type Reply = { id: number; ok: true; result: StatementResult } | { id: number; ok: false; error: ErrorData };

export function errorToData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof errno === 'number' ? { errno } : {}),
  };
}

/** Rebuilds the worker's error on this thread: same name, message, code (SQLITE_CONSTRAINT_UNIQUE…) and errno. */
export function dataToError(data: ErrorData): Error {
  const error = new Error(data.message) as Error & { code?: string; errno?: number };
  error.name = data.name;
  if (data.code !== undefined) error.code = data.code;
  if (data.errno !== undefined) error.errno = data.errno;
  return error;
}
