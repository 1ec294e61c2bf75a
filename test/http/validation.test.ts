// Regression (issue 7, point 18): a refused field is named, and the message says in words what
// it must be. TypeBox's own text ("Expected union value") said neither. Also: "a@b.c" is a valid
// email address (WHATWG's definition, what browsers accept) and was refused, because
// @elysiajs/openapi replaces the process-wide 'email' format with one demanding a 2-letter TLD.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createTestApp, readJson, type TestApp } from '../support/app';

let testApp: TestApp;
let accountId: string;

beforeAll(async () => {
  testApp = await createTestApp();
  const created = await testApp.admin('POST', '/admin/accounts', { name: 'owner' });
  accountId = (await readJson(created)).id;
});
afterAll(async () => {
  await testApp?.close();
});

async function refusal(response: Response): Promise<{ message: string; param: string | null; code: string }> {
  expect(response.status).toBe(400);
  const { error } = await readJson(response);
  expect(error.code).toBe('invalid_request');
  expect(error.message).not.toContain('Expected');
  return error;
}

describe('validation messages', () => {
  test('"a@b.c" and other valid addresses are accepted as emails', async () => {
    for (const email of ['a@b.c', 'ops@localhost', 'first.last+tag@mail.example.org']) {
      const response = await testApp.admin('POST', '/admin/accounts', { name: 'x', email });
      expect(response.status).toBe(201);
      expect((await readJson(response)).email).toBe(email);
    }
  });

  test.each([
    ['an email without @', '/admin/accounts', { name: 'x', email: 'not-an-email' }, 'email', 'email must be a valid email address of at most 320 characters or null.'],
    ['an email with a space', '/admin/accounts', { name: 'x', email: 'a b@c.d' }, 'email', 'email must be a valid email address'],
    ['a name that is a number', '/admin/accounts', { name: 5 }, 'name', 'name must be a string of 1 to 200 characters.'],
    ['an empty name', '/admin/accounts', { name: '' }, 'name', 'name must be a string of 1 to 200 characters.'],
    ['a missing name', '/admin/accounts', {}, 'name', 'name is required: it must be a string of 1 to 200 characters.'],
    ['an unknown field', '/admin/accounts', { name: 'x', role: 'admin' }, 'role', 'role is not a known field; the fields are name, email, plan.'],
    ['an unknown billing mode', 'KEYS', { billing: 'free' }, 'billing', 'billing must be "credits" or "plan".'],
    ['models as a string', 'KEYS', { billing: 'credits', models: 'gpt' }, 'models', 'models must be an array of at most 200 items, each a string of 1 to 200 characters or null.'],
    ['expires_at that is not a date', 'KEYS', { billing: 'credits', expires_at: 'tomorrow' }, 'expires_at', 'expires_at must be a date and time in RFC 3339 form, such as 2030-01-31T12:00:00Z or null.'],
    ['an unknown grant kind', 'CREDITS', { amount: '1', kind: 'gift' }, 'kind', 'kind must be "paid" or "promo".'],
  ])('%s names the field and what it must be', async (_label, path, body, param, message) => {
    const url = path === 'KEYS' ? `/admin/accounts/${accountId}/keys` : path === 'CREDITS' ? `/admin/accounts/${accountId}/credits` : path;
    const error = await refusal(await testApp.admin('POST', url, body));
    expect(error.param).toBe(param);
    expect(error.message).toStartWith(message);
  });

  test('a body that is not an object says so', async () => {
    const error = await refusal(await testApp.admin('POST', '/admin/accounts', '[]'));
    expect(error.param).toBeNull();
    expect(error.message).toBe('The request body must be a JSON object.');
  });
});
