// Starts one inferport process: open the database, migrate, serve HTTP, shut down cleanly.
import { buildApp } from './app';
import type { Config } from './config';
import type { AppContext } from './context';
import { openDatabase } from './db';
import { migrate } from './db/migrate';
import { KeyCache } from './keys/auth';
import * as ledger from './ledger/service';
import { CreditMeter } from './ledger/meter';
import { hostname } from 'node:os';

export interface RunningServer {
  url: string;
  context: AppContext;
  stop: () => Promise<void>;
}

export async function createContext(config: Config): Promise<AppContext> {
  const handle = openDatabase({ url: config.database.url, dataDir: config.server.dataDir });
  await migrate(handle);
  const meter = new CreditMeter(handle, {
    owner: `${hostname()}:${process.pid}`,
    leaseTtlMs: config.ledger.leaseTtlSeconds * 1000,
    idleCloseMs: config.ledger.leaseIdleSeconds * 1000,
    growthFactor: BigInt(config.ledger.leaseGrowthFactor),
    now: Date.now,
  });
  return { config, handle, db: handle.db, keyCache: new KeyCache(config.cache.keyTtlMs), meter, now: Date.now };
}

export async function startServer(config: Config): Promise<RunningServer> {
  const context = await createContext(config);
  const app = buildApp(context);
  app.listen({
    port: config.server.port,
    hostname: config.server.host,
    // A backstop only: the app enforces max_body_bytes itself so that the client gets an
    // OpenAI-style 413 rather than Bun's bare one. Audio uploads will need their own limit.
    maxRequestBodySize: config.server.maxBodyBytes * 4,
  });
  const server = app.server!;
  const url = `http://${server.hostname}:${server.port}`;
  const sweeper = startSweeper(context);
  return {
    url,
    context,
    stop: async () => {
      clearInterval(sweeper);
      // Graceful: in-flight requests, streams included, finish and settle before the pool closes.
      await app.stop();
      await context.meter.close();
      await context.handle.close();
    },
  };
}

/** Releases holds of requests that never settled (a crash) and writes off expired credit. */
function startSweeper(context: AppContext): ReturnType<typeof setInterval> {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await ledger.sweep(context.db, context.now());
    } catch (error) {
      console.error('[inferport] ledger sweep failed; will retry', error);
    } finally {
      running = false;
    }
  }, context.config.ledger.sweepIntervalSeconds * 1000);
  timer.unref();
  return timer;
}
