// Acceptance: the OpenAPI document lists each operation's error statuses with the one error
// schema, and that schema is the shape of the errors the server really answers. (The document
// used to list success responses only, so generated clients and fuzzers knew no error at all.)
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { errorBodySchema, errorSchemaJson } from '../../src/swagger/error-schema';
import { createAccountWithKey, createTestApp, type TestApp } from '../support/app';
import { ADMIN_TOKEN } from '../support/env';

interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
  security?: Record<string, unknown>[];
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const ERROR_REF = '#/components/schemas/Error';
let testApp: TestApp;
let spec: Document;

beforeAll(async () => {
  // An upstream nobody listens on: generation gets as far as forwarding, and fails there.
  testApp = await createTestApp({
    server: { max_body_bytes: 1024 },
    upstreams: [{ name: 'nowhere', url: 'http://127.0.0.1:9', models: ['m'] }],
  });
  spec = (await (await testApp.request('GET', '/swagger/json')).json()) as Document;
});
afterAll(async () => {
  await testApp?.close();
});

function operations(): { where: string; path: string; method: string; operation: Operation }[] {
  return Object.entries(spec.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, path, method, operation })),
  );
}

const statusesOf = (operation: Operation) => Object.keys(operation.responses ?? {}).map(Number);
const schemes = (operation: Operation) => (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));

describe('/swagger/json', () => {
  test('has the error schema as a component, and it is the schema the server answers with', () => {
    expect(spec.components.schemas.Error).toEqual(errorSchemaJson());
  });

  test('every operation lists its error responses, each with the error schema', () => {
    expect(operations().length).toBeGreaterThan(15);
    for (const { where, operation } of operations()) {
      const errors = statusesOf(operation).filter((status) => status >= 400);
      // Only the health probes take no credentials, parameters or body, and so answer no 4xx.
      const takesInput = schemes(operation).length > 0 || (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
      expect({ where, has4xx: errors.some((status) => status < 500), has500: errors.includes(500) }).toEqual({ where, has4xx: takesInput, has500: true });
      for (const status of errors) {
        const ref = operation.responses![String(status)]!.content?.['application/json']?.schema?.$ref;
        expect({ where, status, ref }).toEqual({ where, status, ref: ERROR_REF });
      }
    }
  });

  test('each operation lists the statuses its kind can answer', () => {
    for (const { where, path, method, operation } of operations()) {
      const expected = new Set<number>([500]);
      if (schemes(operation).includes('adminBearer')) expected.add(401);
      if (schemes(operation).includes('apiKeyBearer')) [401, 403, 429].forEach((status) => expected.add(status));
      if (operation.requestBody) [400, 413, 415].forEach((status) => expected.add(status));
      if (path.includes('{')) [400, 404].forEach((status) => expected.add(status));
      if (path.startsWith('/v1/') && method === 'post') [402, 404, 429, 502, 503].forEach((status) => expected.add(status));
      const missing = [...expected].filter((status) => !statusesOf(operation).includes(status));
      expect({ where, missing }).toEqual({ where, missing: [] });
    }
    expect(statusesOf(spec.paths['/admin/accounts/{id}/credits']!.post!)).toContain(409);
    for (const action of ['suspend', 'unsuspend', 'keys']) expect(statusesOf(spec.paths[`/admin/accounts/{id}/${action}`]!.post!)).toContain(409);
    expect(statusesOf(spec.paths['/readyz']!.get!)).toContain(503);
    expect(statusesOf(spec.paths['/healthz']!.get!)).not.toContain(401);
  });
});

describe('real errors match the document', () => {
  /** Sends a request that must fail with `status`; checks the body against the schema and the document. */
  async function expectDocumentedError(path: string, method: string, status: number, response: Response, code: string): Promise<void> {
    const body = await response.json();
    expect({ path, method, status: response.status, code: (body as { error?: { code?: string } }).error?.code }).toEqual({ path, method, status, code });
    expect({ path, status, matchesSchema: Value.Check(errorBodySchema, body) }).toEqual({ path, status, matchesSchema: true });
    expect({ path, method, documented: statusesOf(spec.paths[path]![method]!).includes(status) }).toEqual({ path, method, documented: true });
  }

  test('admin routes: 401, 400, 413, 415, 404, 409', async () => {
    await expectDocumentedError('/admin/accounts', 'post', 401, await testApp.request('POST', '/admin/accounts', { body: { name: 'x' } }), 'invalid_admin_token');
    await expectDocumentedError('/admin/accounts', 'post', 400, await testApp.admin('POST', '/admin/accounts', { name: 7 }), 'invalid_request');
    await expectDocumentedError('/admin/accounts', 'post', 413, await testApp.admin('POST', '/admin/accounts', { name: 'x'.repeat(2000) }), 'body_too_large');
    const asText = await testApp.request('POST', '/admin/accounts', { body: 'name=x', token: ADMIN_TOKEN, headers: { 'content-type': 'text/plain' } });
    await expectDocumentedError('/admin/accounts', 'post', 415, asText, 'unsupported_media_type');
    await expectDocumentedError('/admin/accounts/{id}', 'get', 404, await testApp.admin('GET', '/admin/accounts/acct_missing'), 'not_found');
    const { accountId } = await createAccountWithKey(testApp);
    const grant = (amount: string) => testApp.admin('POST', `/admin/accounts/${accountId}/credits`, { amount, kind: 'promo', idempotency_key: 'same-key' });
    expect((await grant('1')).status).toBe(200);
    await expectDocumentedError('/admin/accounts/{id}/credits', 'post', 409, await grant('2'), 'idempotency_conflict');
  });

  test('key routes: 401, 403, 402, 503', async () => {
    await expectDocumentedError('/v1/models', 'get', 401, await testApp.request('GET', '/v1/models'), 'invalid_api_key');
    const { accountId, key } = await createAccountWithKey(testApp);
    const chat = (body: unknown) => testApp.request('POST', '/v1/chat/completions', { body, token: key });
    // The default price reserves 0.75 credits per million output tokens; the trial has 20.
    await expectDocumentedError('/v1/chat/completions', 'post', 402, await chat({ model: 'm', messages: [], max_tokens: 1_000_000_000 }), 'insufficient_credits');
    await expectDocumentedError('/v1/chat/completions', 'post', 503, await chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), 'upstream_unavailable');
    expect((await testApp.admin('POST', `/admin/accounts/${accountId}/suspend`)).status).toBe(200);
    await expectDocumentedError('/console/wallet', 'get', 403, await testApp.request('GET', '/console/wallet', { token: key }), 'account_suspended');
  });

  test('auto-refill and refund routes: 503, 409, 404', async () => {
    const { key } = await createAccountWithKey(testApp);
    const on = await testApp.request('PUT', '/console/auto-refill', { body: { enabled: true, threshold: '1', amount: '5' }, token: key });
    await expectDocumentedError('/console/auto-refill', 'put', 503, on, 'stripe_not_configured');
    const refund = await testApp.request('POST', '/console/refunds', { body: { reason: 'x' }, token: key });
    await expectDocumentedError('/console/refunds', 'post', 409, refund, 'nothing_to_refund');
    await expectDocumentedError('/admin/refunds/{id}/approve', 'post', 404, await testApp.admin('POST', '/admin/refunds/refund_missing/approve'), 'not_found');
    await expectDocumentedError('/admin/refunds/{id}/reject', 'post', 404, await testApp.admin('POST', '/admin/refunds/refund_missing/reject'), 'not_found');
  });
});
