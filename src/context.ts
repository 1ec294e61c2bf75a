// What the routes need from the running process, built once in server.ts (or a test) and
// passed to each routes factory. Services never see it: routes hand them its parts.
import type { Config } from './config';
import type { Db, DbHandle } from './db';
import type { KeyCache } from './keys/auth';
import type { CreditMeter } from './ledger/service';
import type { QuotaService } from './quotas/service';

export interface AppContext {
  config: Config;
  handle: DbHandle;
  db: Db;
  keyCache: KeyCache;
  /** Reservations and batched settlement for gateway requests. */
  meter: CreditMeter;
  /** Plan quotas of plan-billed keys (Redis, or this process's counters). */
  quotas: QuotaService;
  /** Milliseconds since the epoch; tests may substitute a fixed clock. */
  now: () => number;
}
