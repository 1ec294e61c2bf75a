// `bun src/index.ts serve` as its own OS process on a test database, for the tests that kill it:
// a config naming the test's fake upstream, and a ledger sweeping every second with the shortest
// lease, so what a killed process left reserved is given back within seconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabase } from '../support/database';
import { ADMIN_TOKEN } from '../support/env';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/server-process';

export interface GatewayLauncher {
  start: () => Promise<ServerProcess>;
  remove: () => void;
}

export function gatewayLauncher(database: TestDatabase, upstreamUrl: string, extraToml = ''): GatewayLauncher {
  const configDir = mkdtempSync(join(tmpdir(), 'inferport-faults-'));
  const configPath = join(configDir, 'inferport.toml');
  const toml = [
    '[[upstreams]]',
    'name = "fake"',
    `url = "${upstreamUrl}"`,
    'models = ["fake-model"]',
    '[wallet]',
    'trial_credits = 0',
    '[ledger]',
    'lease_ttl_seconds = 5',
    'sweep_interval_seconds = 1',
    extraToml,
  ].join('\n');
  const written = Bun.write(configPath, toml);
  return {
    start: async () => {
      await written;
      return startServerProcess([process.execPath, 'src/index.ts', 'serve'], {
        cwd: REPO_ROOT,
        env: {
          INFERPORT_CONFIG: configPath,
          INFERPORT_ADMIN_TOKEN: ADMIN_TOKEN,
          ...(database.url ? { DATABASE_URL: database.url } : {}),
          INFERPORT_DATA_DIR: database.dataDir,
        },
      });
    },
    remove: () => rmSync(configDir, { recursive: true, force: true }),
  };
}
