// Errors that say the database cannot serve right now (PostgreSQL down, restarting or its
// connection cut; SQLite's disk full or busy) rather than that a request or the code is wrong.
// The one onError turns them into a 503 (or 507 for a full disk) the client can retry, instead of
// a 500 that reads like a bug. Knows error codes only, no domain.
import { log } from '../logs/logger';
import { ApiError } from '../errors';

// Bun's PostgreSQL client: the connection failed, closed or timed out.
const BUN_POSTGRES_CONNECTION = /^ERR_POSTGRES_(?:CONNECTION_\w+|IDLE_TIMEOUT|LIFETIME_TIMEOUT)$/;
// SQLSTATE: class 08 (connection exception), the server shutting down or starting (57P01-57P03),
// too many connections (53300), out of disk on the server (53100).
const POSTGRES_SQLSTATE_UNAVAILABLE = /^(?:08\w{3}|57P0[123]|53300)$/;
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** The error to answer with when `error` means the database is unavailable; null otherwise. */
export function databaseUnavailableError(error: unknown): ApiError | null {
  if (!(error instanceof Error)) return null;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  const sqlstate = typeof errno === 'string' ? errno : '';
  if (code === 'SQLITE_FULL' || sqlstate === '53100') {
    return new ApiError(507, 'storage_full', 'The database has no space left; nothing was written. Try again once space is freed.');
  }
  const unavailable =
    (typeof code === 'string' && (BUN_POSTGRES_CONNECTION.test(code) || SOCKET_ERRORS.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_IOERR'))) ||
    POSTGRES_SQLSTATE_UNAVAILABLE.test(sqlstate);
  if (!unavailable) return null;
  const answer = new ApiError(503, 'service_unavailable', 'The database is unavailable. Try again shortly.');
  answer.headers = { 'retry-after': '1' };
  return answer;
}

const LOG_EVERY_MS = 10_000;
let loggedAtMs = 0;

/** Notes the outage for the operator at most once every 10 s: a down database fails every request. */
export function logDatabaseUnavailable(error: unknown, nowMs = Date.now()): void {
  if (nowMs - loggedAtMs < LOG_EVERY_MS) return;
  loggedAtMs = nowMs;
  log.error('[inferport] the database is unavailable; answering 503/507 meanwhile:', error);
}
