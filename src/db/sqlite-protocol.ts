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

/**
 * A statement of a batch; `changes`, when set, is a guard: any other row count fails the batch.
 * With `rows`, the statement runs once per parameter row (one prepared statement for a table's
 * rows, whatever their number) and `parameters` is unused.
 */
export interface BatchStatement {
  sql: string;
  parameters: readonly unknown[];
  rows?: readonly (readonly unknown[])[];
  changes?: number;
  /** What the guard protects, for the error message. */
  what?: string;
}

export type Request =
  | { kind: 'open'; role: WorkerRole; path: string; policy: CheckpointPolicy }
  | { kind: 'query'; sql: string; parameters: readonly unknown[] }
  | { kind: 'batch'; statements: readonly BatchStatement[] }
  /** A batch as encodeBatch's text: a string crosses to the worker as one copy, not a clone per value. */
  | { kind: 'batchText'; text: string }
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

/** A statement as JSON carries it: bigints as decimal strings, at the positions `bigints` lists. */
interface EncodedStatement extends Omit<BatchStatement, 'parameters' | 'rows'> {
  parameters: readonly unknown[];
  rows?: readonly (readonly unknown[])[];
  bigints: number[];
}

/**
 * A batch as one JSON text. Structured clone copied a settlement batch value by value and took a
 * sixth of the gateway's CPU per request at c=64; the text is one copy, parsed on the worker's
 * thread. A position holds bigints (or null) in every row or in none: a statement's column is
 * money or time, or it is not.
 */
export function encodeBatch(statements: readonly BatchStatement[]): string {
  const encoded: EncodedStatement[] = [];
  for (const statement of statements) {
    const rows = statement.rows ?? [statement.parameters];
    const bigints = new Set<number>();
    const texts = rows.map((row) =>
      row.map((value, position) => {
        if (typeof value !== 'bigint') return value;
        bigints.add(position);
        return value.toString();
      }),
    );
    for (const position of bigints) {
      if (!rows.every((row) => row[position] === null || typeof row[position] === 'bigint')) {
        throw new Error(`a batch statement mixes bigints and other values at parameter ${position}: ${statement.sql}`);
      }
    }
    const { rows: _rows, parameters: _parameters, ...rest } = statement;
    encoded.push(statement.rows ? { ...rest, parameters: [], rows: texts, bigints: [...bigints] } : { ...rest, parameters: texts[0]!, bigints: [...bigints] });
  }
  return JSON.stringify(encoded);
}

export function decodeBatch(text: string): BatchStatement[] {
  const encoded = JSON.parse(text) as EncodedStatement[];
  return encoded.map(({ bigints, ...statement }) => {
    const revive = (row: readonly unknown[]) => {
      const out = [...row];
      for (const position of bigints) if (out[position] !== null) out[position] = BigInt(out[position] as string);
      return out;
    };
    return statement.rows ? { ...statement, rows: statement.rows.map(revive) } : { ...statement, parameters: revive(statement.parameters) };
  });
}
