// Which errors mean "the database cannot serve right now" (answered 503, or 507 for a full disk)
// and which are bugs or bad requests that must keep their own answer.
import { describe, expect, test } from 'bun:test';
import { databaseUnavailableError } from '../../src/db/unavailable';

const errorWith = (fields: { code?: string; errno?: string | number }) => Object.assign(new Error('x'), fields);
const answerTo = (fields: { code?: string; errno?: string | number }) => {
  const answer = databaseUnavailableError(errorWith(fields));
  return answer && [answer.status, answer.code, answer.headers['retry-after'] ?? null];
};

describe('databaseUnavailableError', () => {
  test("PostgreSQL down, restarting or its connection cut: 503 with Retry-After", () => {
    for (const fields of [{ code: 'ERR_POSTGRES_CONNECTION_REFUSED' }, { code: 'ERR_POSTGRES_CONNECTION_CLOSED' }, { code: 'ERR_POSTGRES_IDLE_TIMEOUT' }, { code: 'ERR_POSTGRES_SERVER_ERROR', errno: '57P01' }, { code: 'ERR_POSTGRES_SERVER_ERROR', errno: '57P03' }, { code: 'ERR_POSTGRES_SERVER_ERROR', errno: '08006' }, { code: 'ECONNREFUSED' }]) {
      expect({ fields, answer: answerTo(fields) }).toEqual({ fields, answer: [503, 'service_unavailable', '1'] });
    }
  });

  test('a full disk, SQLite or PostgreSQL: 507 storage_full', () => {
    expect(answerTo({ code: 'SQLITE_FULL', errno: 13 })).toEqual([507, 'storage_full', null]);
    expect(answerTo({ code: 'ERR_POSTGRES_SERVER_ERROR', errno: '53100' })).toEqual([507, 'storage_full', null]);
  });

  test('SQLite busy or failing to read or write its file: 503', () => {
    expect(answerTo({ code: 'SQLITE_BUSY' })).toEqual([503, 'service_unavailable', '1']);
    expect(answerTo({ code: 'SQLITE_IOERR_WRITE' })).toEqual([503, 'service_unavailable', '1']);
  });

  test('constraint violations, syntax errors, deadlocks and plain errors are not outages', () => {
    for (const fields of [{ code: 'SQLITE_CONSTRAINT_UNIQUE' }, { code: 'ERR_POSTGRES_SERVER_ERROR', errno: '23505' }, { code: 'ERR_POSTGRES_SERVER_ERROR', errno: '42601' }, { code: 'ERR_POSTGRES_SERVER_ERROR', errno: '40P01' }, {}]) {
      expect({ fields, answer: answerTo(fields) }).toEqual({ fields, answer: null });
    }
    expect(databaseUnavailableError('ECONNREFUSED')).toBeNull();
  });
});
