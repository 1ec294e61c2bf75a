// Every way out of a media request after its reservation ends in one release: the client
// leaving while the upstream works, the deadline, and an exception of inferport's own (the media directory
// cannot be written) after the upstream answered. Nothing is charged, nothing stays reserved.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { accountState, waitFor } from '../gateway/account-state';
import { balanceOf, createCustomer } from '../gateway/support';
import { rejectionOf } from '../support/rejection';
import { createMediaFixture, expectNothingHeld, IMAGE_MODEL, SPEECH_MODEL, type MediaFixture } from './support';

const START_MICROS = 10_000_000n;

describe('media request exits', () => {
  let fixture: MediaFixture;
  beforeAll(async () => {
    fixture = await createMediaFixture();
  });
  afterAll(() => fixture.close());
  beforeEach(() => fixture.media.reset());

  test('a client that leaves while the image is made pays nothing; the request is released as client_aborted', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.media.setBehavior({ delayMs: 300 });
    const controller = new AbortController();
    const call = customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'slow', n: 2 }, { signal: controller.signal });
    await waitFor(async () => fixture.media.requests.length, (count) => count === 1);
    controller.abort();
    expect(await rejectionOf(call)).toBeInstanceOf(OpenAI.APIUserAbortError);

    const { usage } = await waitFor(() => accountState(fixture, customer.accountId), (state) => state.usage.length === 1);
    expect(usage.map((row) => [row.statusCode, row.outcome, row.costMicros])).toEqual([[499, 'client_aborted', 0n]]);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    await expectNothingHeld(fixture, customer.accountId);
  });

  test('storing the images fails (the media directory is a file): 500, released, nothing charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const directory = join(fixture.testApp.config.server.dataDir, 'media');
    await rm(directory, { recursive: true, force: true });
    await writeFile(directory, 'not a directory');
    try {
      const error = (await rejectionOf(customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'x', response_format: 'url' }))) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(500);
      expect(error.code).toBe('internal_error');
    } finally {
      await rm(directory, { force: true });
    }
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage.map((row) => [row.statusCode, row.outcome, row.costMicros])).toEqual([[500, 'internal_error', 0n]]);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    await expectNothingHeld(fixture, customer.accountId);
  });
});

describe('a media request past server.stream_max_seconds', () => {
  let fixture: MediaFixture;
  beforeAll(async () => {
    fixture = await createMediaFixture({ server: { stream_max_seconds: 1 } });
  });
  afterAll(() => fixture.close());

  test('is cut with 504 and released; the late answer is not charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.media.setBehavior({ delayMs: 1500 });
    const error = (await rejectionOf(customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: 'slow speech' }))) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(504);
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage.map((row) => [row.statusCode, row.outcome, row.costMicros])).toEqual([[504, 'upstream_error', 0n]]);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    await expectNothingHeld(fixture, customer.accountId);
  });
});
