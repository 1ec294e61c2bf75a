// What Redis did during one load, from the counters scripts/bench read before and after it
// (redis_counters in measure.sh: INFO cpu and commandstats). Redis counts the commands a Lua
// script runs as commands too, which is what tells an admission from a finish: admit.lua runs
// ZCARD once per quota scope and finish.lua ZREM once per scope, and nothing else inferport sends
// runs either. The benchmark's plan key is counted in one scope (its account's: the plan limits
// no model and the key has no limits of its own), so ZCARD counts admissions and ZREM finishes.
// The counters are the whole server's: whatever other clients ran meanwhile is in them too. So a
// load also notes whether anyone else used Redis: a connection opened meanwhile (other than the
// benchmark's own read), or a client other than inferport's one connection that ran a command.
import { round } from './stats';

/** What the benchmark's own reads (redis_counters) run, and the connections one read opens. */
const OWN_COMMANDS = new Set(['info', 'client|list']);
const OWN_CONNECTIONS = 2;

export interface RedisUse {
  /** Commands by name, scripts' own included; the benchmark's INFO calls are left out. */
  commands: Record<string, number>;
  /** Commands of every name, summed. */
  commandsTotal: number;
  /** Script calls (EVAL and EVALSHA): one per admission and one per finish. */
  scripts: number;
  admissions: number;
  finishes: number;
  /** Redis's CPU time (user + system, all its threads). */
  cpuUs: number;
  seconds: number;
  /** Clients other than inferport that used Redis during the load (at least; 0 when it had Redis to itself). */
  otherClients: number;
}

/** Per completed request (for inferport on Postgres), or per second (the background). */
export interface RedisRates {
  commandsPerRequest: number;
  scriptsPerRequest: number;
  admissionsPerRequest: number;
  finishesPerRequest: number;
  cpuUsPerRequest: number;
  commandsPerSecond: number;
}

/**
 * redis_counters before and after a load of `seconds` → what happened in between; null without
 * Redis or when the counters went back (a reset). `ownConnections`: how many of Redis's clients
 * are expected to be busy (inferport's one connection, for the plan target).
 */
export function redisUse(before: string | undefined, after: string | undefined, seconds: number, ownConnections: number): RedisUse | null {
  if (!before || !after) return null;
  const start = parseCounters(before);
  const end = parseCounters(after);
  const commands: Record<string, number> = {};
  for (const [name, value] of end.counters) {
    const delta = value - (start.counters.get(name) ?? 0);
    if (delta < 0) return null;
    if (delta > 0 && !OWN_COMMANDS.has(name)) commands[name] = delta;
  }
  // Redis counts idleness in whole seconds: a client idle for fewer than the load's whole seconds
  // ran a command during it. (One whose last command came in the load's first second can pass
  // for idle: counting it would also count inferport's connection after a plan load.)
  const busy = end.idleSeconds.filter((idle) => idle < Math.floor(seconds)).length;
  const opened = end.connections - start.connections - OWN_CONNECTIONS;
  const otherClients = Math.max(0, busy - ownConnections) + Math.max(0, opened);
  const calls = (name: string) => commands[name] ?? 0;
  return {
    commands,
    commandsTotal: Object.values(commands).reduce((sum, value) => sum + value, 0),
    scripts: calls('eval') + calls('evalsha'),
    admissions: calls('zcard'),
    finishes: calls('zrem'),
    cpuUs: end.cpuUs - start.cpuUs,
    seconds,
    otherClients,
  };
}

export function redisRates(use: RedisUse, requests: number): RedisRates {
  const per = (value: number) => round(value / Math.max(1, requests));
  return {
    commandsPerRequest: per(use.commandsTotal),
    scriptsPerRequest: per(use.scripts),
    admissionsPerRequest: per(use.admissions),
    finishesPerRequest: per(use.finishes),
    cpuUsPerRequest: per(use.cpuUs),
    commandsPerSecond: round(use.commandsTotal / Math.max(0.001, use.seconds)),
  };
}

function parseCounters(text: string) {
  const counters = new Map<string, number>();
  const own = new Map<string, string>();
  for (const item of text.split(';')) {
    const at = item.lastIndexOf('=');
    if (at <= 0) continue;
    const [name, value] = [item.slice(0, at), item.slice(at + 1)];
    if (name.startsWith('#')) own.set(name, value);
    else counters.set(name, Number(value));
  }
  return {
    counters,
    cpuUs: Number(own.get('#cpu') ?? 0),
    connections: Number(own.get('#connections') ?? 0),
    idleSeconds: (own.get('#idle') ?? '').split(',').filter(Boolean).map(Number),
  };
}
