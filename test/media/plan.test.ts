// Plan keys on the media routes: a media request counts as one request against the plan's
// requests per minute and concurrency (and its allowed models), and as no tokens; it moves no
// credit. With the counters in Redis and in the process alike.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI, { toFile } from 'openai';
import { accountState } from '../gateway/account-state';
import { balanceOf } from '../gateway/support';
import { attempt, createPlanCustomer, createPlanFixture, STORE_KINDS, type PlanFixture } from '../quotas/support';
import { startFakeMediaUpstream, wavFile, type FakeMediaUpstream } from '../support/fake-media-upstream';
import { rejectionOf } from '../support/rejection';
import { IMAGE_MODEL, mediaUpstream, SPEECH_MODEL, WHISPER_MODEL } from './support';

for (const store of STORE_KINDS) {
  describe(`media on plan keys (${store} counters)`, () => {
    let fixture: PlanFixture;
    let media: FakeMediaUpstream;
    beforeAll(async () => {
      media = startFakeMediaUpstream();
      fixture = await createPlanFixture(store, {
        upstreams: [mediaUpstream(media)],
        plans: {
          // A token limit of 1 a minute: media requests, which use no tokens, are not held to it.
          three: { requests_per_minute: 3, tokens_per_minute: 1, models: [IMAGE_MODEL, SPEECH_MODEL, WHISPER_MODEL] },
          images_only: { requests_per_minute: 100, models: [IMAGE_MODEL] },
        },
      });
    });
    afterAll(async () => {
      await fixture.close();
      await media.stop();
    });

    test('three media requests a minute are served free of credit; the fourth is 429', async () => {
      const customer = await createPlanCustomer(fixture, 'three');
      const wav = wavFile(new Uint8Array(16_000 * 2), 16_000);
      const outcomes = [
        await attempt(customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'x', n: 2, response_format: 'b64_json' })),
        await attempt(customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: 'hello there', response_format: 'wav' })),
        await attempt(customer.client.audio.transcriptions.create({ model: WHISPER_MODEL, file: await toFile(wav, 'a.wav') })),
        await attempt(customer.client.images.generate({ model: IMAGE_MODEL, prompt: 'x' })),
      ];
      expect(outcomes.map((outcome) => outcome.status)).toEqual([200, 200, 200, 429]);
      expect(outcomes[3]!.code).toBe('rate_limit_exceeded');
      expect(outcomes[2]!.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(media.requests).toHaveLength(3);
      const { usage } = await accountState(fixture, customer.accountId);
      expect(usage.map((row) => [row.billing, row.outcome, row.costMicros])).toEqual([
        ['plan', 'ok', 0n],
        ['plan', 'ok', 0n],
        ['plan', 'ok', 0n],
      ]);
      expect(await balanceOf(fixture, customer.accountId)).toBe(0n);
      fixture.clock.advance(60_000);
    });

    test('a model outside the plan is refused before anything is forwarded', async () => {
      const customer = await createPlanCustomer(fixture, 'images_only');
      media.reset();
      const error = (await rejectionOf(customer.client.audio.speech.create({ model: SPEECH_MODEL, voice: 'alloy', input: 'hi' }))) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(403);
      expect(error.code).toBe('model_not_allowed');
      expect(media.requests).toHaveLength(0);
    });
  });
}
