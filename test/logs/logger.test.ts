// The one logger: JSON lines ({time, level, msg, detail}) or text, redacted, through console at
// the moment of writing (info to stdout, warn and error to stderr).
import { afterAll, afterEach, describe, expect, spyOn, test } from 'bun:test';
import { log, logFields, logFormat, setLogFormat } from '../../src/logs/logger';

const formatBefore = logFormat();
const spies = { log: spyOn(console, 'log'), warn: spyOn(console, 'warn'), error: spyOn(console, 'error') };
for (const spy of Object.values(spies)) spy.mockImplementation(() => {});
afterEach(() => {
  for (const spy of Object.values(spies)) spy.mockClear();
});
// Test files share one process: give console and the format back to the others.
afterAll(() => {
  for (const spy of Object.values(spies)) spy.mockRestore();
  setLogFormat(formatBefore);
});

describe('logger', () => {
  test('json: one parseable line each, level by stream, error detail with its stack, redacted', () => {
    setLogFormat('json');
    log.info('started');
    log.warn('slow');
    log.error('[inferport] it failed', new Error('boom with Bearer s3cr3t-token'));
    const info = JSON.parse(String(spies.log.mock.calls[0]![0]));
    expect(info).toMatchObject({ level: 'info', msg: 'started' });
    expect(new Date(info.time).getTime()).toBeGreaterThan(0);
    expect(JSON.parse(String(spies.warn.mock.calls[0]![0]))).toMatchObject({ level: 'warn', msg: 'slow' });
    const line = String(spies.error.mock.calls[0]![0]);
    const error = JSON.parse(line);
    expect(error).toMatchObject({ level: 'error', msg: '[inferport] it failed' });
    expect(error.detail).toContain('boom with Bearer [redacted]');
    expect(error.detail).toContain('logger.test.ts'); // the stack
    expect(line).not.toContain('s3cr3t-token');
  });

  test('text: the message as console printed it, details after it, redacted', () => {
    setLogFormat('text');
    log.warn('[inferport] upstream said', 'sk_live_abcdef');
    expect(spies.warn.mock.calls[0]).toEqual(['[inferport] upstream said sk_live_[redacted]']);
    logFields('request', { method: 'GET', status: 200, model: null });
    expect(spies.log.mock.calls[0]).toEqual(['request method=GET status=200']);
  });

  test('structured lines keep their fields in json', () => {
    setLogFormat('json');
    logFields('request', { method: 'POST', status: 201, account_id: 'acct_1', model: null });
    expect(JSON.parse(String(spies.log.mock.calls[0]![0]))).toMatchObject({ msg: 'request', method: 'POST', status: 201, account_id: 'acct_1', model: null });
  });
});
