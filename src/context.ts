// What the routes need from the running process, built once in server.ts (or a test) and
// passed to each routes factory. Services never see it: routes hand them its parts.
import type { Config } from './config';
import type { Db, DbHandle } from './db';
import type { KeyCache } from './keys/auth';

export interface AppContext {
  config: Config;
  handle: DbHandle;
  db: Db;
  keyCache: KeyCache;
  /** Milliseconds since the epoch; tests may substitute a fixed clock. */
  now: () => number;
}
