// Gateway processes for the meter's model test: each is a CreditMeter on its own database
// connection (two "machines" on one Postgres database or one SQLite file), with a clock the test
// moves, a housekeeping timer the test ticks by hand, and a handle that can freeze: a frozen
// process never reaches the database again, which is what a process killed between enqueueing
// a settlement and committing it looks like from outside.
import { Kysely, type DatabaseConnection, type Dialect, type Driver } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import { SQL } from 'bun';
import { join } from 'node:path';
import type { DbHandle } from '../../src/db';
import type { Database } from '../../src/db/schema';
import { openSqlite } from '../../src/db/sqlite';
import { CreditMeter, type MeterOptions } from '../../src/ledger/meter';
import type { TestDatabase } from '../support/database';

/** One database connection (pool) that several process generations share, one after another. */
export interface Machine {
  dialect: Dialect;
  driver: Driver;
  postgres: SQL | null;
  close: () => Promise<void>;
}

export function openMachine(database: TestDatabase): Machine {
  if (database.url) {
    const client = new SQL({ url: database.url, max: 4, bigint: true });
    const dialect = new PostgresJSDialect({ postgres: client as never });
    return { dialect, driver: dialect.createDriver(), postgres: client, close: () => client.close() };
  }
  // Its own dialect, so its own worker thread and connection: a second process on the one file.
  const dialect = openSqlite(join(database.dataDir, 'inferport.sqlite'));
  const driver = dialect.createDriver();
  return { dialect, driver, postgres: null, close: () => driver.destroy() };
}

export interface Process {
  owner: string;
  meter: CreditMeter;
  /** Runs every timer of the meter once (housekeeping and the reclaim poll), as time passing would. */
  tick: () => void;
  /** Runs the meter's poll for asks for its leases once (its shortest timer). */
  pollReclaims: () => void;
  /** From now on every database call of this process hangs for ever. */
  freeze: () => void;
  /** Resolves once no database call of this process is running or about to start. */
  idle: () => Promise<void>;
}

const never = () => new Promise<never>(() => {});

export function startProcess(machine: Machine, kind: 'postgres' | 'sqlite', options: MeterOptions): Process {
  const gate = { frozen: false, active: 0 };
  const handle: DbHandle = {
    db: new Kysely<Database>({ dialect: gatedDialect(machine, gate) }),
    kind,
    location: `model test ${options.owner}`,
    postgres: machine.postgres ? gatedClient(machine.postgres, gate) : null,
    close: async () => {},
  };
  const { value: meter, timers } = captureIntervals(() => new CreditMeter(handle, options));
  // The upkeep's two timers: housekeeping (1 s) and the poll for reclaim asks (100 ms).
  if (timers.length !== 2) throw new Error(`the meter set ${timers.length} timers, not its housekeeping and reclaim poll; the model test cannot tick them`);
  const poll = timers.reduce((a, b) => (b.ms < a.ms ? b : a));
  return {
    owner: options.owner,
    meter,
    tick: () => timers.forEach((timer) => timer.callback()),
    pollReclaims: () => poll.callback(),
    freeze: () => {
      gate.frozen = true;
    },
    idle: async () => {
      // Chained work starts within microtasks, so two quiet macrotask boundaries mean done.
      for (let quiet = 0; quiet < 2; ) {
        await Bun.sleep(0);
        quiet = gate.active === 0 ? quiet + 1 : 0;
      }
    },
  };
}

/** Runs `make` with setInterval recording its callbacks instead of scheduling them. */
function captureIntervals<T>(make: () => T): { value: T; timers: { ms: number; callback: () => void }[] } {
  const timers: { ms: number; callback: () => void }[] = [];
  const real = globalThis.setInterval;
  globalThis.setInterval = ((callback: () => void, ms: number) => {
    timers.push({ ms, callback });
    return real(() => {}, 2 ** 31 - 1).unref();
  }) as typeof setInterval;
  try {
    return { value: make(), timers };
  } finally {
    globalThis.setInterval = real;
  }
}

function gatedDialect(machine: Machine, gate: { frozen: boolean; active: number }): Dialect {
  const inner = machine.driver;
  let ready: Promise<void> | null = null;
  const driver: Driver = {
    init: () => (ready ??= inner.init()),
    acquireConnection: async () => {
      if (gate.frozen) return never();
      gate.active += 1;
      try {
        return await inner.acquireConnection();
      } catch (error) {
        gate.active -= 1;
        throw error;
      }
    },
    beginTransaction: (connection, settings) => (gate.frozen ? never() : inner.beginTransaction(connection, settings)),
    commitTransaction: (connection) => (gate.frozen ? never() : inner.commitTransaction(connection)),
    rollbackTransaction: (connection) => inner.rollbackTransaction(connection),
    releaseConnection: async (connection: DatabaseConnection) => {
      await inner.releaseConnection(connection);
      gate.active -= 1;
    },
    destroy: async () => {},
  };
  return {
    createDriver: () => driver,
    createAdapter: () => machine.dialect.createAdapter(),
    createIntrospector: (db) => machine.dialect.createIntrospector(db),
    createQueryCompiler: () => machine.dialect.createQueryCompiler(),
  };
}

/** The raw Postgres client the batch writer pipelines on, behind the same gate. */
function gatedClient(client: SQL, gate: { frozen: boolean; active: number }): SQL {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (gate.frozen) return never();
        gate.active += 1;
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!isThenable(result)) {
          gate.active -= 1;
          return result;
        }
        return Promise.resolve(result).finally(() => (gate.active -= 1));
      };
    },
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
