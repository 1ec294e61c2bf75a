// Whether an inferport is using the embedded database right now: restore must not swap the file
// from under a running server (its open connection would keep writing to the old file).
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import type { Config } from '../config';
import { probeHealth } from '../healthcheck';

/**
 * Processes other than this one that hold the database file (or its WAL) open, from /proc
 * (Linux). A server killed by -9 holds nothing, so unlike a pid file this never goes stale.
 * Where /proc is missing (macOS) this finds nothing and the health probe below is all there is.
 */
export function processesHoldingFile(path: string): number[] {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return [];
  }
  const names = new Set([target, `${target}-wal`, `${target}-shm`]);
  const holders: number[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or one that just ended
    }
    for (const fd of fds) {
      try {
        if (names.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) {
          holders.push(Number(pid));
          break;
        }
      } catch {
        // The descriptor closed meanwhile.
      }
    }
  }
  return holders;
}

/** Why the server seems to be running, or null. */
export async function runningServer(config: Config, databasePath: string): Promise<string | null> {
  const holders = processesHoldingFile(databasePath);
  if (holders.length > 0) return `process ${holders.join(', ')} has ${databasePath} open`;
  if ((await probeHealth(config)) === null) return `a server answers at ${config.server.host}:${config.server.port}`;
  return null;
}
