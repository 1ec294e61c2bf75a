// Background checkpoints, on a connection and thread of their own. SQLite's default, an automatic
// checkpoint inside whichever commit pushes the WAL past 1000 pages, made that one request wait
// for the copy and an fsync of the database file; the writer now has it switched off.
import type { Database as BunDatabase } from 'bun:sqlite';
import type { CheckpointPolicy } from './sqlite-protocol';

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = Object.freeze({
  intervalMs: 200,
  restartFrames: 4096, // 16 MiB of 4 KiB pages
  idleIntervalsBeforeTruncate: 5,
});

interface WalState {
  /** Frames in the WAL. */
  log: number;
  /** Frames of it already copied into the database. */
  checkpointed: number;
}

/** Checkpoints every `policy.intervalMs` until the returned function is called. */
export function startCheckpoints(sqlite: BunDatabase, policy: CheckpointPolicy): () => void {
  let previousLog = -1;
  let quietIntervals = 0;
  const timer = setInterval(() => {
    try {
      // PASSIVE copies what it can without taking any lock a writer needs. The writer itself
      // starts the WAL over at its next commit once every frame is copied.
      const state = checkpoint(sqlite, 'PASSIVE');
      // Under constant writes a commit lands during nearly every copy, so the WAL would never be
      // fully copied at a moment the writer looks, and would grow without end: past a bound,
      // RESTART makes the writer wait for the few frames PASSIVE just left.
      if (state.log >= policy.restartFrames) checkpoint(sqlite, 'RESTART');
      const quiet = state.log > 0 && state.log === state.checkpointed && state.log === previousLog;
      quietIntervals = quiet ? quietIntervals + 1 : 0;
      previousLog = state.log;
      // Idle and fully copied: give the disk space back (the next commit starts a fresh file).
      if (quietIntervals >= policy.idleIntervalsBeforeTruncate) {
        checkpoint(sqlite, 'TRUNCATE');
        quietIntervals = 0;
      }
    } catch {
      // SQLITE_BUSY (another process's checkpoint, a long reader): the next interval tries again.
    }
  }, policy.intervalMs);
  return () => clearInterval(timer);
}

function checkpoint(sqlite: BunDatabase, mode: 'PASSIVE' | 'RESTART' | 'TRUNCATE'): WalState {
  const row = sqlite.query(`PRAGMA wal_checkpoint(${mode})`).get() as { log: bigint; checkpointed: bigint };
  return { log: Number(row.log), checkpointed: Number(row.checkpointed) };
}
