// A gateway fixture like createGatewayFixture's, but listening with an explicit server idle
// timeout, so tests can check that generation requests outlive it.
import { createTestApp } from '../support/app';
import { startFakeUpstream } from '../support/fake-upstream';
import type { GatewayFixture } from './support';

export async function createGatewayWithIdleTimeout(idleTimeoutSeconds: number): Promise<GatewayFixture> {
  const fake = startFakeUpstream();
  const testApp = await createTestApp({
    upstreams: [{ name: 'fake-0', url: fake.url, models: ['fake-model', 'other-model'] }],
    wallet: { trial_credits: 0 },
  });
  testApp.app.listen({ port: 0, hostname: '127.0.0.1', idleTimeout: idleTimeoutSeconds });
  const baseUrl = `http://127.0.0.1:${testApp.app.server!.port}`;
  return {
    testApp,
    fake,
    fakes: [fake],
    baseUrl,
    close: async () => {
      await testApp.app.stop(true);
      await testApp.close();
      await fake.stop();
    },
  };
}
