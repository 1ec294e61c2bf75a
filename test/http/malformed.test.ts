// Regression and record: what a client gets for requests that break HTTP itself, sent over a raw
// socket to a real `startServer`. Bodies over the limit are refused by the app, with OpenAI's
// error JSON, however large they claim to be or however fast they arrive. The rest is answered by
// Bun's HTTP parser (uWebSockets) before any JavaScript runs, with fixed bodiless responses that no
// handler can change (Bun.serve's `error` option is for errors thrown by `fetch`): those are
// asserted byte for byte so that a Bun upgrade that changes them is noticed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { parseConfig } from '../../src/config';
import { startServer, type RunningServer } from '../../src/server';
import { createTestDatabase, type TestDatabase } from '../support/database';

const MAX_BODY_BYTES = 1024;
let database: TestDatabase;
let server: RunningServer;
let port: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = parseConfig(
    { server: { data_dir: database.dataDir, port: 0, host: '127.0.0.1', max_body_bytes: MAX_BODY_BYTES } },
    database.url ? { DATABASE_URL: database.url } : {},
  );
  server = await startServer(config);
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/** Writes `payload` on a fresh connection; resolves with all that came back once the server closes it. */
function exchange(payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => (received += data.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(payload);
  });
}

function parseResponse(raw: string): { statusLine: string; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusLine, headers, body };
}

const chat = (headers: string) => `POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${headers}\r\n`;

describe('bodies over the limit: the app answers, with error JSON, and closes the connection', () => {
  test.each([
    // Far past the old Bun-level backstop (4 × max_body_bytes), which answered a bare 413 from the headers.
    ['a Content-Length a thousand times the limit', chat(`Content-Length: ${MAX_BODY_BYTES * 1000}\r\n`) + 'x'.repeat(MAX_BODY_BYTES)],
    // Arriving in one write, faster than it is read: Bun's own count used to win the race.
    ['a chunked body eight times the limit', chat('Transfer-Encoding: chunked\r\n') + `${(MAX_BODY_BYTES * 8).toString(16)}\r\n${'x'.repeat(MAX_BODY_BYTES * 8)}\r\n0\r\n\r\n`],
  ])('%s', async (_label, payload) => {
    const response = parseResponse(await exchange(payload));
    expect(response.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(response.headers['content-type']).toStartWith('application/json');
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toEqual({
      error: { message: `The request body is larger than the limit of ${MAX_BODY_BYTES} bytes.`, type: 'invalid_request_error', param: null, code: 'body_too_large' },
    });
  });
});

describe('answered by Bun before the app sees the request (empty body, connection closed)', () => {
  test.each([
    ['a malformed request line', 'NOT-HTTP\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Name: 1\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['HTTP/1.1 without a Host header', 'GET /healthz HTTP/1.1\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['a Content-Length that is not a number', 'POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['both Content-Length and Transfer-Encoding', 'POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
    ['a 20 KB header (Bun allows 16 KiB of headers by default)', `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['HTTP/2.0 in the request line', 'GET /healthz HTTP/2.0\r\nHost: localhost\r\n\r\n', 'HTTP/1.1 505 HTTP Version Not Supported'],
    ['an unknown HTTP/1.x version', 'GET /healthz HTTP/1.9\r\nHost: localhost\r\n\r\n', 'HTTP/1.1 505 HTTP Version Not Supported'],
  ])('%s', async (_label, payload, statusLine) => {
    expect(await exchange(payload)).toBe(`${statusLine}\r\nConnection: close\r\n\r\n`);
  });
});

test('a well-formed request on the same server is answered normally (the cases above are not a broken server)', async () => {
  const response = parseResponse(await exchange('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
  expect(response.statusLine).toBe('HTTP/1.1 200 OK');
});
