// Acceptance: every bad request gets OpenAI's error JSON with the right status and code, and
// writes nothing. The body limit is set to its minimum (1 KiB) to keep the payloads small.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTestApp, type TestApp } from './support/app';
import { ADMIN_TOKEN } from './support/env';

const MAX_BODY_BYTES = 1024;
let testApp: TestApp;
let baseUrl: string;
let accountId: string;

beforeAll(async () => {
  testApp = await createTestApp({ server: { max_body_bytes: MAX_BODY_BYTES } });
  baseUrl = testApp.listen();
  const created = await testApp.admin('POST', '/admin/accounts', { name: 'owner of keys' });
  accountId = ((await created.json()) as { id: string }).id;
});
afterAll(async () => {
  await testApp?.close();
});

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string };
}

async function countRows(): Promise<{ accounts: number; keys: number }> {
  const accounts = await testApp.context.db.selectFrom('accounts').select('id').execute();
  const keys = await testApp.context.db.selectFrom('api_keys').select('id').execute();
  return { accounts: accounts.length, keys: keys.length };
}

/** Sends a request that must fail; checks status, code and error shape, and that no row was written. */
async function expectRefused(send: () => Promise<Response>, status: number, code: string): Promise<ErrorJson['error']> {
  const before = await countRows();
  const response = await send();
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toStartWith('application/json');
  const { error } = (await response.json()) as ErrorJson;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error.code).toBe(code);
  expect(error.type).toBe(status === 404 ? 'not_found_error' : 'invalid_request_error');
  expect(await countRows()).toEqual(before);
  return error;
}

const postAccount = (body: unknown) => () => testApp.admin('POST', '/admin/accounts', body);
const postKey = (body: unknown) => () => testApp.admin('POST', `/admin/accounts/${accountId}/keys`, body);

describe('request validation', () => {
  test.each(['{"name": ', '{name: "x"}', '{"name":"x"} trailing', '\u0000'])('malformed JSON %j is 400 invalid_json', async (text) => {
    const error = await expectRefused(postAccount(text), 400, 'invalid_json');
    expect(error.param).toBeNull();
  });

  test.each([
    ['account name as a number', postAccount({ name: 5 }), 'name'],
    ['account email as a number', postAccount({ name: 'x', email: 7 }), 'email'],
    ['account email that is not an email', postAccount({ name: 'x', email: 'not-an-email' }), 'email'],
    ['empty account name', postAccount({ name: '' }), 'name'],
    ['missing account name', postAccount({}), 'name'],
    ['unknown key billing mode', postKey({ billing: 'free' }), 'billing'],
    ['key models as a string', postKey({ billing: 'credits', models: 'gpt' }), 'models'],
    ['key expires_at that is not a date', postKey({ billing: 'credits', expires_at: 'tomorrow' }), 'expires_at'],
  ])('%s is 400 invalid_request naming the field', async (_label, send, param) => {
    const error = await expectRefused(send, 400, 'invalid_request');
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  test('a query parameter of the wrong type names the parameter', async () => {
    const error = await expectRefused(() => testApp.admin('GET', '/admin/accounts?limit=many'), 400, 'invalid_request');
    expect(error.param).toBe('limit');
  });

  test('an unknown field is refused, not silently dropped', async () => {
    const error = await expectRefused(postAccount({ name: 'x', role: 'admin' }), 400, 'invalid_request');
    expect(error.param).toBe('role');
    const keyError = await expectRefused(postKey({ billing: 'credits', secret: 'x' }), 400, 'invalid_request');
    expect(keyError.param).toBe('secret');
  });

  test('a JSON body that is not an object is 400', async () => {
    await expectRefused(postAccount('[]'), 400, 'invalid_request');
    await expectRefused(postAccount('"x"'), 400, 'invalid_request');
  });
});

describe('body size limit', () => {
  const oversize = JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES) });

  test('an oversize body with Content-Length is 413 body_too_large', async () => {
    await expectRefused(postAccount(oversize), 413, 'body_too_large');
  });

  test('an oversize body with Content-Length over a real socket is 413', async () => {
    const send = () => fetch(`${baseUrl}/admin/accounts`, { method: 'POST', body: oversize, headers: jsonHeaders() });
    await expectRefused(send, 413, 'body_too_large');
  });

  test('an oversize chunked body without Content-Length is 413', async () => {
    const send = async () => {
      const request = new Request(`${baseUrl}/admin/accounts`, { method: 'POST', body: chunkedJson(), headers: jsonHeaders() });
      expect(request.headers.get('content-length')).toBeNull();
      return fetch(request);
    };
    await expectRefused(send, 413, 'body_too_large');
  });

  test('a body of exactly the limit is accepted, one byte more is not, chunked or not', async () => {
    const exact = padJson({ name: 'at the limit' }, MAX_BODY_BYTES);
    expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
    const post = (body: string | ReadableStream<Uint8Array>) => fetch(`${baseUrl}/admin/accounts`, { method: 'POST', body, headers: jsonHeaders() });
    expect((await post(exact)).status).toBe(201);
    expect((await post(streamOf(exact))).status).toBe(201);
    await expectRefused(() => post(`${exact} `), 413, 'body_too_large');
    await expectRefused(() => post(streamOf(`${exact} `)), 413, 'body_too_large');
  });

  // Bug: src/app.ts only streams (and limits) bodies whose content-type starts with the exact,
  // lower-case "application/json"; any other chunked body is read in full by Elysia.
  test('an oversize chunked body is refused whatever its content type, and only JSON is accepted', async () => {
    // JSON in any spelling is read up to the limit: 413.
    for (const contentType of ['Application/JSON', 'application/json; charset=utf-8']) {
      const headers = { ...jsonHeaders(), 'content-type': contentType };
      await expectRefused(() => fetch(`${baseUrl}/admin/accounts`, { method: 'POST', body: chunkedJson(), headers }), 413, 'body_too_large');
    }
    // Other types are refused before a byte is read: 415.
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const headers = { ...jsonHeaders(), 'content-type': contentType };
      await expectRefused(() => fetch(`${baseUrl}/admin/accounts`, { method: 'POST', body: chunkedJson(), headers }), 415, 'unsupported_media_type');
    }
    const form = await fetch(`${baseUrl}/admin/accounts`, { method: 'POST', body: 'name=x', headers: { ...jsonHeaders(), 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
  });
});

describe('routing', () => {
  test.each([
    ['GET', '/nope'],
    ['GET', '/v1/no-such-endpoint'],
    ['POST', '/admin/nothing-here'],
  ])('%s %s is 404 not_found JSON', async (method, path) => {
    await expectRefused(() => testApp.admin(method, path, method === 'POST' ? { name: 'x' } : undefined), 404, 'not_found');
  });

  test('an unknown route over a real socket is 404 JSON too', async () => {
    await expectRefused(() => fetch(`${baseUrl}/does/not/exist`), 404, 'not_found');
  });
});

function jsonHeaders(): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` };
}

/** A valid JSON account body of about 5 KiB, sent in chunks with no Content-Length. */
function chunkedJson(): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode('{"name":"'));
      for (let chunk = 0; chunk < 10; chunk++) controller.enqueue(encoder.encode('z'.repeat(500)));
      controller.enqueue(encoder.encode('"}'));
      controller.close();
    },
  });
}

/** The JSON of `value`, padded with trailing spaces to exactly `bytes` bytes. */
function padJson(value: unknown, bytes: number): string {
  const text = JSON.stringify(value);
  return text + ' '.repeat(bytes - Buffer.byteLength(text));
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let start = 0; start < bytes.length; start += 100) controller.enqueue(bytes.slice(start, start + 100));
      controller.close();
    },
  });
}
