// POST /v1/images/generations through the openai SDK: charged per image in the ledger (the
// default 0.02 and a model's own price), URLs answered by inferport's stored copies (fetched,
// 0600 on disk, refused when forged or expired, gone after the cleanup), and nothing charged
// for bad input or an upstream's failure.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { mediaStoreOf } from '../../src/media/store';
import { accountState, formatCredits } from '../gateway/account-state';
import { balanceOf, createCustomer } from '../gateway/support';
import { FAKE_PNG } from '../support/fake-media-upstream';
import { rejectionOf } from '../support/rejection';
import { createMediaFixture, expectNothingHeld, IMAGE_MODEL, PRICED_MODEL, type MediaFixture } from './support';

const START_MICROS = 10_000_000n;

describe('image generations', () => {
  let fixture: MediaFixture;
  let clockMs = Date.now();
  beforeAll(async () => {
    fixture = await createMediaFixture({}, {});
    fixture.testApp.context.now = () => clockMs;
  });
  afterAll(() => fixture.close());
  beforeEach(() => {
    fixture.media.reset();
    clockMs = Date.now();
  });

  test('b64_json: 3 images cost exactly 3 × 0.02, the reservation of 3 settled on what came back', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'a lighthouse', n: 3, response_format: 'b64_json' });

    expect(answer.data).toHaveLength(3);
    expect(Buffer.from(answer.data![0]!.b64_json!, 'base64').equals(FAKE_PNG)).toBe(true);
    expect((answer.usage as unknown as Record<string, unknown>).cost).toBe('0.060000');
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 60_000n);
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ outcome: 'ok', costMicros: 60_000n, promptTokens: 0, completionTokens: 0, usageEstimated: 0 });
    // The upstream was asked for b64_json and got the client's other fields untouched.
    expect(fixture.media.requests[0]!.json).toMatchObject({ model: IMAGE_MODEL, prompt: 'a lighthouse', n: 3, response_format: 'b64_json' });
    await expectNothingHeld(fixture, customer.accountId);
  });

  test('a model priced per image pays its own price; fewer images than n are charged as answered', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.media.setBehavior({ images: 2 });
    const answer = await customer.client.images.generate({ model: PRICED_MODEL, prompt: 'two cats', n: 4, response_format: 'b64_json' });

    expect(answer.data).toHaveLength(2);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 1_000_000n);
    const { usage, holds } = await accountState(fixture, customer.accountId);
    expect(usage[0]!.costMicros).toBe(1_000_000n);
    // Reserved: 4 images at 0.5.
    expect(holds.map((hold) => hold.amountMicros)).toEqual([2_000_000n]);
    await expectNothingHeld(fixture, customer.accountId);
  });

  test('url: the answer links to a stored copy (0600) that anyone holding the link can fetch', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'a map', n: 2, response_format: 'url' });

    expect(fixture.media.requests[0]!.json.response_format).toBe('b64_json');
    expect(answer.data!.every((item) => item.b64_json === undefined)).toBe(true);
    const urls = answer.data!.map((item) => item.url!);
    expect(new Set(urls).size).toBe(2);
    for (const url of urls) {
      expect(url.startsWith(`${fixture.baseUrl}/media/`)).toBe(true);
      const fetched = await fetch(url);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await fetched.arrayBuffer()).equals(FAKE_PNG)).toBe(true);
      const name = new URL(url).pathname.split('/').pop()!;
      const info = await stat(join(fixture.testApp.config.server.dataDir, 'media', name));
      expect(info.mode & 0o777).toBe(0o600);
    }
    const secret = await stat(join(fixture.testApp.config.server.dataDir, 'media-secret'));
    expect(secret.mode & 0o777).toBe(0o600);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 40_000n);
  });

  test('a forged or re-dated link is 403 invalid_signature; an expired one 403 link_expired; a swept file 404', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'a map', response_format: 'url' });
    const url = new URL(answer.data![0]!.url!);

    const forged = new URL(url);
    forged.searchParams.set('signature', `${url.searchParams.get('signature')!.slice(0, -2)}AA`);
    await expectOpenAiError(await fetch(forged), 403, 'invalid_signature');
    const extended = new URL(url);
    extended.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 86_400));
    await expectOpenAiError(await fetch(extended), 403, 'invalid_signature');
    const unsigned = new URL(url);
    unsigned.searchParams.delete('signature');
    await expectOpenAiError(await fetch(unsigned), 404, 'not_found');

    // The default retention is 24 hours: a day later the link has expired, and the cleanup deletes the file.
    clockMs += 24 * 3600 * 1000 + 1000;
    await expectOpenAiError(await fetch(url), 403, 'link_expired');
    const store = mediaStoreOf(fixture.testApp.context);
    expect(await store.deleteExpired(clockMs)).toBeGreaterThanOrEqual(1);
    clockMs -= 24 * 3600 * 1000; // the link is valid again by the clock, but its file is gone
    await expectOpenAiError(await fetch(url), 404, 'not_found');
  });

  test('bad input is 400 and changes nothing: no request forwarded, nothing reserved or charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const bad: Record<string, unknown>[] = [
      { model: IMAGE_MODEL, prompt: 'x', n: 11 },
      { model: IMAGE_MODEL, prompt: 'x', n: 1.5 },
      { model: IMAGE_MODEL },
      { model: IMAGE_MODEL, prompt: 'x', response_format: 'png' },
      { prompt: 'x' },
    ];
    for (const body of bad) {
      const error = await rejectionOf(customer.client.images.generate(body as never));
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    }
    expect(fixture.media.requests).toHaveLength(0);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    expect((await accountState(fixture, customer.accountId)).usage).toEqual([]);
  });

  test('an upstream error reaches the client with its status; the reservation is released, nothing charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    // The upstream's own status passes (as the gateway's do); an answer that cannot be read is 502.
    const statuses = { error500: 500, error400: 400, unreadable: 502 } as const;
    for (const [mode, status] of Object.entries(statuses)) {
      fixture.media.setBehavior({ mode: mode as keyof typeof statuses });
      const error = (await rejectionOf(customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'x', n: 5 }))) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(status);
      expect(typeof error.message).toBe('string');
    }
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    const { usage, holds } = await accountState(fixture, customer.accountId);
    expect(usage.map((row) => `${row.statusCode} ${row.outcome} ${row.costMicros}`).sort()).toEqual(['400 upstream_rejected 0', '500 upstream_rejected 0', '502 upstream_error 0']);
    expect(holds.every((hold) => hold.status === 'voided')).toBe(true);
    await expectNothingHeld(fixture, customer.accountId);
  });

  test('a wallet that cannot cover n images gets 402 before anything is forwarded', async () => {
    const customer = await createCustomer(fixture, 50_000n);
    const error = (await rejectionOf(customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'x', n: 3 }))) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(402);
    expect(error.code).toBe('insufficient_credits');
    expect(fixture.media.requests).toHaveLength(0);
    expect(formatCredits(await balanceOf(fixture, customer.accountId))).toBe('0.050000');
  });
});

async function expectOpenAiError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { message: string; type: string; code: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.type).toBe('string');
}
