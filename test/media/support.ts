// A gateway in front of the fake media server (test/support/fake-media-upstream.ts), with its
// models at their own prices, and what the media tests read back: the account's money, usage
// rows, and whether anything is still reserved.
import { expect } from 'bun:test';
import type { ContextOptions } from '../../src/server';
import { accountState } from '../gateway/account-state';
import { createGatewayFixture, expectLedgerBalanced, type GatewayFixture } from '../gateway/support';
import { startFakeMediaUpstream, type FakeMediaUpstream } from '../support/fake-media-upstream';

export const IMAGE_MODEL = 'sd-test';
export const SPEECH_MODEL = 'tts-test';
export const WHISPER_MODEL = 'whisper-test';
/** A model priced at its own rates: 0.5 credits an image, 0.002 a second of audio. */
export const PRICED_MODEL = 'priced-media';

export interface MediaFixture extends GatewayFixture {
  media: FakeMediaUpstream;
}

export function mediaUpstream(media: FakeMediaUpstream) {
  return { name: 'media', url: media.url, models: [IMAGE_MODEL, SPEECH_MODEL, WHISPER_MODEL, PRICED_MODEL] };
}

export async function createMediaFixture(raw: Record<string, unknown> = {}, options: ContextOptions = {}): Promise<MediaFixture> {
  const media = startFakeMediaUpstream();
  const fixture = await createGatewayFixture({ upstreams: [mediaUpstream(media)], prices: { [PRICED_MODEL]: { image: 0.5, audio_second: 0.002 } }, ...raw }, 1, options);
  return {
    ...fixture,
    media,
    close: async () => {
      await fixture.close();
      await media.stop();
    },
  };
}

/** After every request of the account has ended: nothing reserved, nothing in flight, books balanced. */
export async function expectNothingHeld(fixture: GatewayFixture, accountId: string): Promise<void> {
  const state = await accountState(fixture, accountId);
  expect(fixture.testApp.context.meter.inFlightOf(accountId)).toBe(0);
  expect(state.holds.filter((hold) => hold.status === 'pending')).toEqual([]);
  expect(await expectLedgerBalanced(fixture)).toEqual([]);
}
