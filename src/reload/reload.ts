// SIGHUP: read the config file again and apply what can change in a running process: prices,
// plans (with quotas.default_plan), upstreams, upstream health settings and instance types. The
// new config is parsed and validated whole before anything changes; one that fails is refused
// with a log line and the running one kept. Settings that only a restart can apply (the port,
// the database, Redis, …) keep their running values, and the log says which changed.
// Requests in flight keep what they started with (their price was looked up once, their
// upstream chosen); the next request reads the new config. No connection is touched.
import { log } from '../logs/logger';
import { loadConfig, type Config } from '../config';
import type { Env } from '../config/types';
import { deepFreeze } from '../config/fields';
import type { AppContext } from '../context';
import { liveChanges, mergeLive } from './merge';

export interface ReloadOutcome {
  applied: boolean;
  /** The settings the reload changed (live ones), e.g. "prices", "upstreams". */
  changed: string[];
  /** Settings that differ in the file but need a restart, e.g. "server.port". */
  needRestart: string[];
  /** Why the new config was refused; null when it was applied. */
  error: string | null;
}

export interface ReloadLog {
  info: (line: string) => void;
  error: (line: string) => void;
}

const CONSOLE_LOG: ReloadLog = { info: (line) => log.info(line), error: (line) => log.error(line) };

export async function reloadConfig(context: AppContext, path: string | null, env: Env, log: ReloadLog = CONSOLE_LOG): Promise<ReloadOutcome> {
  if (path === null) {
    const error = 'no config file to reload (start with --config PATH or INFERPORT_CONFIG)';
    log.error(`inferport: reload refused: ${error}`);
    return { applied: false, changed: [], needRestart: [], error };
  }
  let next: Config;
  try {
    next = await loadConfig(path, env);
  } catch (error) {
    const message = (error as Error).message;
    log.error(`inferport: reload refused, the running configuration is kept: ${message}`);
    return { applied: false, changed: [], needRestart: [], error: message };
  }
  const current = context.config;
  const { changed, needRestart } = liveChanges(current, next);
  context.config = deepFreeze(mergeLive(current, next));
  context.upstreamHealth.keepOnly(context.config.upstreams.map((upstream) => upstream.name));
  // Keys cache what their account's plan allows; a changed plan applies to the next lookup.
  context.keyCache.clear();
  log.info(`inferport: configuration reloaded from ${path}: ${changed.length === 0 ? 'nothing live changed' : `changed ${changed.join(', ')}`}`);
  if (needRestart.length > 0) {
    log.error(`inferport: reload: ${needRestart.join(', ')} changed in ${path} but only take effect after a restart; the running values are kept`);
  }
  return { applied: true, changed, needRestart, error: null };
}
