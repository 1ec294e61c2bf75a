// A second inferport as its own OS process, sharing the fixture's Postgres database and fake
// upstream: what two replicas behind a load balancer look like.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';
import { ADMIN_TOKEN } from '../support/env';
import type { GatewayFixture } from './support';

export interface SecondGateway {
  baseUrl: string;
  process: ServerProcess;
  stop: () => Promise<void>;
}

/** `extraToml` is appended to its config (plans, [redis], …): what the fixture's own config has besides upstreams. */
export async function startSecondGateway(fixture: GatewayFixture, extraToml = ''): Promise<SecondGateway> {
  const databaseUrl = fixture.testApp.database.url;
  if (!databaseUrl) throw new Error('a second gateway process needs the shared Postgres database');
  const configDir = mkdtempSync(join(tmpdir(), 'inferport-second-'));
  const configPath = join(configDir, 'inferport.toml');
  const upstreams = fixture.testApp.config.upstreams
    .map((upstream) => `[[upstreams]]\nname = ${JSON.stringify(upstream.name)}\nurl = ${JSON.stringify(upstream.url)}\nmodels = ${JSON.stringify(upstream.models)}\n`)
    .join('\n');
  // No health probes: the in-process replica runs no scheduler, and the tests count the fake's requests.
  await Bun.write(configPath, `${upstreams}\n[wallet]\ntrial_credits = 0\n[upstream_health]\nprobe_interval_seconds = 0\n${extraToml}`);
  const process = await startServerProcess([globalThis.process.execPath, 'src/index.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: {
      DATABASE_URL: databaseUrl,
      INFERPORT_CONFIG: configPath,
      INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN,
      INFERPORT_PORT: '0',
      INFERPORT_DATA_DIR: configDir,
    },
  });
  return {
    baseUrl: process.url,
    process,
    stop: async () => {
      await process.stop();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
