// An inferport for tests of trial credit over time: every new account gets 20 promo credits that
// expire in 30 days, a fake upstream priced at a hundredth of a credit per token (so a few
// requests spend a visible part of the trial), listening on a port, on a clock the test moves.
// The meter and the fake upstream read the real clock, so the app's starts at it and only moves
// forward.
import { createTestApp, type TestApp } from './app';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream';

export interface TrialApp {
  testApp: TestApp;
  fake: FakeUpstream;
  baseUrl: string;
  clock: { nowMs: number };
  close: () => Promise<void>;
}

export async function createTrialApp(): Promise<TrialApp> {
  const clock = { nowMs: Date.now() };
  const fake = startFakeUpstream();
  const testApp = await createTestApp(
    {
      upstreams: [{ name: 'fake', url: fake.url, models: ['fake-model'] }],
      wallet: { trial_credits: 20, trial_expires_days: 30 },
      prices: { default: { input_per_million: 10_000, output_per_million: 10_000 } },
    },
    {},
    { now: () => clock.nowMs },
  );
  const baseUrl = testApp.listen();
  return {
    testApp,
    fake,
    baseUrl,
    clock,
    close: async () => {
      await testApp.close();
      await fake.stop();
    },
  };
}
