// POST /v1/audio/speech through the openai SDK: charged per second of audio produced, measured
// from the answer's headers (WAV, PCM, mp3, Opus, AAC) and estimated from the input when they
// do not say it (FLAC written to a pipe);
// reserved at the slowest speech for the input, released on an upstream error, and 400 for bad
// input with nothing charged.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { accountState } from '../gateway/account-state';
import { balanceOf, createCustomer } from '../gateway/support';
import { AAC_RATE, MP3_RATE } from '../support/fake-audio';
import { rejectionOf } from '../support/rejection';
import { createMediaFixture, expectNothingHeld, PRICED_MODEL, SPEECH_MODEL, type MediaFixture } from './support';

const START_MICROS = 10_000_000n;
/** 25 characters: the fake speaks 0.1 s a character, so 2.5 s of audio at speed 1. */
const INPUT = 'twenty-five characters ok';

describe('speech', () => {
  let fixture: MediaFixture;
  beforeAll(async () => {
    fixture = await createMediaFixture();
  });
  afterAll(() => fixture.close());
  beforeEach(() => fixture.media.reset());

  test('wav: 2.5 s measured from the header cost exactly 0.025; the audio reaches the client whole', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const response = await customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: INPUT, response_format: 'wav' });
    const audio = new Uint8Array(await response.arrayBuffer());

    expect(audio.byteLength).toBe(44 + 2.5 * 24_000 * 2);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(response.headers.get('x-inferport-audio-seconds')).toBe('2.500');
    expect(response.headers.get('x-inferport-cost')).toBe('0.025000');
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 25_000n);
    const { usage, holds } = await accountState(fixture, customer.accountId);
    expect(usage[0]).toMatchObject({ outcome: 'ok', costMicros: 25_000n, usageEstimated: 0 });
    // Reserved: 25 characters at the slowest 5 a second = 5 s at 0.01.
    expect(holds.map((hold) => hold.amountMicros)).toEqual([50_000n]);
    await expectNothingHeld(fixture, customer.accountId);
  });

  test('pcm at half speed: 5 s from the byte count, at the model\'s own 0.002 a second', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const response = await customer.client.audio.speech.create({ model: PRICED_MODEL, voice: 'alloy', input: INPUT, response_format: 'pcm', speed: 0.5 });
    expect((await response.arrayBuffer()).byteLength).toBe(5 * 24_000 * 2);
    expect(response.headers.get('x-inferport-audio-seconds')).toBe('5.000');
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 10_000n);
    expect(fixture.media.requests[0]!.json).toMatchObject({ input: INPUT, speed: 0.5, response_format: 'pcm', voice: 'alloy' });
  });

  // What the fake's files hold for 2.5 s (test/support/fake-audio.ts): whole frames, so a little more or less.
  const measured: [string, number, string][] = [
    ['mp3', (Math.round((2.5 * MP3_RATE) / 576) * 576 * 1000) / MP3_RATE, 'audio/mpeg'], // 96 frames: 2507.76 ms
    ['opus', 2500, 'audio/ogg;codec=opus'],
    ['aac', (Math.round((2.5 * AAC_RATE) / 1024) * 1024 * 1000) / AAC_RATE, 'audio/aac'], // 59 frames: 2517.33 ms
  ];
  for (const [format, ms, type] of measured) {
    test(`${format}: the length its frame headers say, rounded up to the millisecond`, async () => {
      const customer = await createCustomer(fixture, START_MICROS);
      const response = await customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: INPUT, response_format: format as 'mp3' });
      expect(response.headers.get('content-type')).toBe(type);
      await response.arrayBuffer();
      const costMicros = BigInt(Math.ceil(ms)) * 10n;
      expect(response.headers.get('x-inferport-audio-seconds')).toBe((Math.ceil(ms) / 1000).toFixed(3));
      expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - costMicros);
      const { usage } = await accountState(fixture, customer.accountId);
      expect(usage[0]).toMatchObject({ costMicros, usageEstimated: 0 });
    });
  }

  test('flac from a pipe (no total in its STREAMINFO): estimated at 15 characters a second, marked estimated', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const response = await customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: INPUT, response_format: 'flac' });
    await response.arrayBuffer();
    // 25 / 15 s = 1666.67 ms, rounded up to 1667 ms: 16 670 micro-credits.
    expect(response.headers.get('x-inferport-audio-seconds')).toBe('1.667');
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 16_670n);
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage[0]).toMatchObject({ costMicros: 16_670n, usageEstimated: 1 });
  });

  test('bad input is 400 and changes nothing', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const bad: Record<string, unknown>[] = [
      { model: SPEECH_MODEL, voice: 'alloy', input: '' },
      { model: SPEECH_MODEL, voice: 'alloy', input: 'x'.repeat(4097) },
      { model: SPEECH_MODEL, voice: 'alloy', input: 'x', speed: 5 },
      { model: SPEECH_MODEL, voice: 'alloy', input: 'x', response_format: 'ogg' },
      { voice: 'alloy', input: 'x' },
    ];
    for (const body of bad) {
      const error = (await rejectionOf(customer.client.audio.speech.create(body as never))) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(400);
    }
    expect(fixture.media.requests).toHaveLength(0);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    expect((await accountState(fixture, customer.accountId)).usage).toEqual([]);
  });

  test('an upstream error is passed on in OpenAI\'s shape and the reservation released', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.media.setBehavior({ mode: 'error400' });
    const error = (await rejectionOf(customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: INPUT }))) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.message).toContain('rejected the request on purpose');
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage.map((row) => [row.outcome, row.costMicros])).toEqual([['upstream_rejected', 0n]]);
    await expectNothingHeld(fixture, customer.accountId);
  });

  // Last in this file: the fake stays stopped.
  test('an upstream that cannot be reached: 503, nothing charged', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    await fixture.media.stop();
    const error = (await rejectionOf(customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: INPUT }))) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(503);
    expect(error.code).toBe('upstream_unavailable');
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    await expectNothingHeld(fixture, customer.accountId);
  });
});
