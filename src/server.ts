// Starts one inferport process: open the database, migrate, serve HTTP, shut down cleanly.
import { buildApp } from './app';
import type { Config } from './config';
import type { AppContext } from './context';
import { openDatabase } from './db';
import { migrate } from './db/migrate';
import { KeyCache } from './keys/auth';
import * as ledger from './ledger/service';
import { CreditMeter } from './ledger/meter';
import { createQuotaService } from './quotas/build';
import { hostname } from 'node:os';

export interface RunningServer {
  url: string;
  context: AppContext;
  stop: () => Promise<void>;
}

/** What a test may substitute: the clock plan quotas count windows and tickets by. */
export interface ContextOptions {
  quotaNow?: () => number;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const handle = openDatabase({ url: config.database.url, dataDir: config.server.dataDir });
  await migrate(handle);
  const meter = new CreditMeter(handle, {
    owner: `${hostname()}:${process.pid}`,
    leaseTtlMs: config.ledger.leaseTtlSeconds * 1000,
    idleCloseMs: config.ledger.leaseIdleSeconds * 1000,
    growthFactor: BigInt(config.ledger.leaseGrowthFactor),
    now: Date.now,
  });
  const quotas = await createQuotaService(config, options.quotaNow ?? Date.now);
  return { config, handle, db: handle.db, keyCache: new KeyCache(config.cache.keyTtlMs), meter, quotas, now: Date.now };
}

/** Start-up failed for a reason the operator can fix; the message says which. */
export class StartupError extends Error {}

export async function startServer(config: Config): Promise<RunningServer> {
  const context = await createContext(config);
  const app = buildApp(context);
  try {
    app.listen({
      port: config.server.port,
      hostname: config.server.host,
      // Elysia asks for SO_REUSEPORT by default, which lets a second process bind a taken port
      // and take half of its connections. Shared ports are for the operator to ask for.
      reusePort: config.server.reusePort,
      // No limit at Bun's level: Bun answers a body over it with a bare 413, before the app sees
      // the request (Content-Length) or racing the app's reader (chunked). The app enforces
      // max_body_bytes itself (413 from the Content-Length before reading, a chunked body cut off
      // at the limit) and Bun drops what a handler leaves unread without buffering it.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    });
  } catch (error) {
    await context.meter.close();
    await context.quotas.close();
    await context.handle.close();
    throw listenError(config, error);
  }
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
      await context.quotas.close();
      await context.handle.close();
    },
  };
}

function listenError(config: Config, error: unknown): unknown {
  const address = `${config.server.host}:${config.server.port}`;
  const text = String((error as { code?: string }).code ?? '') + ' ' + String((error as Error).message ?? error);
  if (!/EADDRINUSE|in use/i.test(text)) return error;
  return new StartupError(
    `cannot listen on ${address}: the port is in use (another inferport?). Stop it, choose another ` +
      '[server] port, or set [server] reuse_port = true on every process that should share the port.',
  );
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
