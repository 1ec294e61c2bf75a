// Acceptance (issue 14): request header limits. Too many headers, or too many header bytes, is a
// 431 in OpenAI's error JSON that changes nothing; server.max_headers / max_header_bytes set the
// bounds. Past Bun's own limits (16 KiB) Bun answers 431 itself, before inferport sees a byte.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { createTestApp, readJson, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';

let testApp: TestApp;
let strict: TestApp;

beforeAll(async () => {
  testApp = await createTestApp();
  strict = await createTestApp({ server: { max_headers: 12, max_header_bytes: 2048 } });
}, 30_000);
afterAll(async () => {
  await testApp?.close();
  await strict?.close();
}, 30_000);

const manyHeaders = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`x-extra-${index}`, 'v']));
const accountCount = async (app: TestApp) => (await readJson(await app.admin('GET', '/admin/accounts?limit=500'))).data.length;

async function expect431(response: Response) {
  expect(response.status).toBe(431);
  expect(response.headers.get('content-type')).toStartWith('application/json');
  expect(await readJson(response)).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'request_headers_too_large' } });
}

describe('request header limits', () => {
  test('more headers than max_headers (default 100) is a 431 that creates nothing', async () => {
    const before = await accountCount(testApp);
    await expect431(await testApp.request('POST', '/admin/accounts', { token: ADMIN_TOKEN, body: { name: 'Headers' }, headers: manyHeaders(101) }));
    expect(await accountCount(testApp)).toBe(before);
    const within = await testApp.request('POST', '/admin/accounts', { token: ADMIN_TOKEN, body: { name: 'Headers' }, headers: manyHeaders(90) });
    expect(within.status).toBe(201);
  });

  test('a header block over max_header_bytes (default 12 KiB) is a 431, on /v1 and /console too', async () => {
    const big = { 'x-big': 'a'.repeat(13 * 1024) };
    for (const path of ['/v1/models', '/console/wallet', '/admin/accounts']) await expect431(await testApp.request('GET', path, { token: 'whatever', headers: big }));
    expect((await testApp.request('GET', '/healthz', { headers: { 'x-big': 'a'.repeat(11 * 1024) } })).status).toBe(200);
  });

  test('the limits are configurable', async () => {
    await expect431(await strict.request('GET', '/healthz', { headers: manyHeaders(13) }));
    await expect431(await strict.request('GET', '/healthz', { headers: { 'x-big': 'a'.repeat(2100) } }));
    expect((await strict.request('GET', '/healthz', { headers: manyHeaders(8) })).status).toBe(200);
  });

  test('over a socket: inferport answers JSON below 16 KiB, Bun a bare 431 above it', async () => {
    const base = new URL(testApp.listen());
    const send = (headerBytes: number) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(base.port), base.hostname, () => socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(headerBytes)}\r\nConnection: close\r\n\r\n`));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('close', () => resolve(answer));
      });
    const ours = await send(14 * 1024);
    expect(ours).toStartWith('HTTP/1.1 431');
    expect(ours).toContain('"code":"request_headers_too_large"');
    expect(await send(20 * 1024)).toStartWith('HTTP/1.1 431');
  });
});
