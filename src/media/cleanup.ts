// The scheduler's media job: deletes stored files whose retention is over ([media] retention_hours).
import { log } from '../logs/logger';
import type { AppContext } from '../context';
import type { Job } from '../scheduler/scheduler';
import { mediaStoreOf } from './store';

const CLEANUP_INTERVAL_MS = 10 * 60 * 1000;

export function mediaCleanupJob(context: AppContext): Job {
  const store = mediaStoreOf(context);
  return {
    name: 'media-cleanup',
    intervalMs: CLEANUP_INTERVAL_MS,
    runAtStart: true,
    run: async (nowMs) => {
      const deleted = await store.deleteExpired(nowMs);
      if (deleted > 0) log.info(`[inferport] media: deleted ${deleted} stored file(s) past their retention`);
    },
  };
}
