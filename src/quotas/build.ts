// The quota service a process runs, from its config: counters in Redis when [redis] url (or
// REDIS_URL) is set, shared by every replica; in this process otherwise, for one replica.
import type { Config } from '../config';
import { MemoryQuotaStore } from './memory-store';
import { RedisQuotaStore } from './redis-store';
import { QuotaService } from './service';
import { log } from '../logs/logger';

export async function createQuotaService(config: Config, now: () => number): Promise<QuotaService> {
  const { url, fallback, commandTimeoutMs } = config.redis;
  if (url === null) return new QuotaService(new MemoryQuotaStore(), null, config, now);
  const whileDown = fallback === 'local' ? 'plan requests are counted per replica' : 'plan requests get 503 quota_unavailable';
  let down = false;
  const store = new RedisQuotaStore({
    url,
    commandTimeoutMs,
    onAvailability: (available, error) => {
      if (!available) log.warn(`[inferport] Redis is not answering${error ? ` (${error.message})` : ''}; ${whileDown} until it is back`);
      else if (down) log.info('[inferport] Redis answers again; plan quotas are shared by the replicas again');
      down = !available;
    },
  });
  // A process that starts while Redis is down still starts, and serves what it can.
  if (!(await store.ready())) log.warn(`[inferport] no connection to Redis yet; ${whileDown} until there is one`);
  return new QuotaService(store, fallback === 'local' ? new MemoryQuotaStore() : null, config, now);
}
