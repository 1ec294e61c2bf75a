// POST /v1/audio/transcriptions (multipart) through the openai SDK with a WAV file: charged per
// second of input audio, from the upstream's usage (vLLM's {"type":"duration","seconds"}), a
// verbose_json duration, or the file's own length when the upstream reports none (WAV, mp3);
// other uploads reserve by their size; bad uploads are 400 and an upstream error releases the reservation.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI, { toFile } from 'openai';
import { accountState } from '../gateway/account-state';
import { balanceOf, createCustomer } from '../gateway/support';
import { MP3_RATE, mp3File } from '../support/fake-audio';
import { wavFile } from '../support/fake-media-upstream';
import { rejectionOf } from '../support/rejection';
import { createMediaFixture, expectNothingHeld, WHISPER_MODEL, type MediaFixture } from './support';

const START_MICROS = 10_000_000n;
/** 2.5 s of 16 kHz silence. */
const WAV = wavFile(new Uint8Array(2.5 * 16_000 * 2), 16_000);
const wavUpload = () => toFile(WAV, 'speech.wav', { type: 'audio/wav' });

describe('transcriptions', () => {
  let fixture: MediaFixture;
  beforeAll(async () => {
    fixture = await createMediaFixture();
  });
  afterAll(() => fixture.close());
  beforeEach(() => fixture.media.reset());

  test('json: the upstream\'s usage of 3 s (2.5 rounded up, as vLLM does) costs exactly 0.03; the file reaches it whole', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const answer = await customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await wavUpload(), language: 'en' });

    expect(answer.text).toBe('the fake transcript');
    expect((answer as unknown as { usage: Record<string, unknown> }).usage).toEqual({ type: 'duration', seconds: 3, cost: '0.030000' });
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 30_000n);
    expect(fixture.media.requests[0]!.form).toMatchObject({ model: WHISPER_MODEL, language: 'en', file: { name: 'speech.wav', size: WAV.byteLength } });
    const { usage, holds } = await accountState(fixture, customer.accountId);
    expect(usage[0]).toMatchObject({ outcome: 'ok', costMicros: 30_000n, usageEstimated: 0 });
    // Reserved: the WAV's own 2.5 s in whole seconds, as the upstream counts them.
    expect(holds.map((hold) => hold.amountMicros)).toEqual([30_000n]);
    await expectNothingHeld(fixture, customer.accountId);
  });

  test('an upstream that reports no usage: the WAV header\'s 2.5 s, 0.025', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.media.setBehavior({ omitUsage: true });
    await customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await wavUpload() });
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 25_000n);
  });

  test('text is asked for as json (for the usage) and answered as text; verbose_json is charged by its duration', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const text = await customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await wavUpload(), response_format: 'text' });
    expect(text as unknown).toBe('the fake transcript');
    expect(fixture.media.requests[0]!.form!.response_format).toBe('json');

    const verbose = await customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await wavUpload(), response_format: 'verbose_json' });
    expect(verbose.duration as unknown).toBe('2.5'); // vLLM's string, passed as it came
    // text: the usage's 3 s; verbose_json: its duration of 2.5 s.
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage.map((row) => row.costMicros).sort()).toEqual([25_000n, 30_000n]);
  });

  test('a compressed upload reserves its bytes at 750 a second and is charged the upstream\'s 7 s', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const mp3 = new Uint8Array(15_000).fill(0x55);
    await customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await toFile(mp3, 'speech.mp3', { type: 'audio/mpeg' }) });
    const { usage, holds } = await accountState(fixture, customer.accountId);
    expect(holds.map((hold) => hold.amountMicros)).toEqual([200_000n]); // 15 000 bytes ÷ 750 = 20 s
    expect(usage[0]!.costMicros).toBe(70_000n);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS - 70_000n);
  });

  test('an mp3 upload reserves its frames\' length; with no usage reported it is charged that length', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.media.setBehavior({ omitUsage: true });
    const frames = 200; // 200 × 576 samples at 22 050 Hz: 5224.49 ms
    await customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await toFile(mp3File(frames), 'speech.mp3', { type: 'audio/mpeg' }) });
    const { usage, holds } = await accountState(fixture, customer.accountId);
    expect(holds.map((hold) => hold.amountMicros)).toEqual([60_000n]); // 6 whole seconds
    expect(usage[0]!.costMicros).toBe(BigInt(Math.ceil((frames * 576 * 1000) / MP3_RATE)) * 10n);
  });

  test('bad uploads are 400 and change nothing', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const cases = [
      () => customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: toFile(new Uint8Array(0), 'empty.wav') as never }),
      async () => customer.client.audio.transcriptions.create({ model: '', file: await wavUpload() }),
      async () => customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await wavUpload(), response_format: 'mp3' as never }),
      async () => customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await wavUpload(), stream: true }),
    ];
    for (const call of cases) {
      const error = (await rejectionOf(call())) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    }
    // Not multipart at all: the JSON the route cannot use.
    const json = await fetch(`${fixture.baseUrl}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: WHISPER_MODEL }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: { param: string } }).error.param).toBe('file');
    expect(fixture.media.requests).toHaveLength(0);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    expect((await accountState(fixture, customer.accountId)).usage).toEqual([]);
  });

  test('multipart bodies are taken on this route only; elsewhere they are still 415', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    const form = new FormData();
    form.append('model', 'fake-model');
    const response = await fetch(`${fixture.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${customer.key}` }, body: form });
    expect(response.status).toBe(415);
  });

  test('an upstream error releases the reservation', async () => {
    const customer = await createCustomer(fixture, START_MICROS);
    fixture.media.setBehavior({ mode: 'error500' });
    const error = (await rejectionOf(customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await wavUpload() }))) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(500);
    expect(await balanceOf(fixture, customer.accountId)).toBe(START_MICROS);
    const { usage } = await accountState(fixture, customer.accountId);
    expect(usage.map((row) => [row.outcome, row.costMicros])).toEqual([['upstream_rejected', 0n]]);
    await expectNothingHeld(fixture, customer.accountId);
  });
});
