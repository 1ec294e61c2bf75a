// The `inferport` command: serve | migrate | healthcheck | version | backup | restore | audit.
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db';
import { migrate } from './db/migrate';
import type { CommandArgs } from './recovery/command-args';
import { runRecoveryCommand } from './recovery/commands';
import { probeHealth } from './healthcheck';
import { reloadConfig } from './reload/reload';
import { StartupError, startServer } from './server';
import { VERSION } from './version';
import { log, setLogFormat } from './logs/logger';

const USAGE = 'usage: inferport <serve|migrate|healthcheck|version|backup PATH|restore PATH [--force]|audit [--full]> [--config PATH]';
const RECOVERY_COMMANDS = new Set(['backup', 'restore', 'audit']);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'version' || command === '--version') {
    console.log(`inferport ${VERSION}`);
    return 0;
  }
  if (command !== 'serve' && command !== 'migrate' && command !== 'healthcheck' && !RECOVERY_COMMANDS.has(command ?? '')) {
    console.error(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
  const configPath = parseConfigFlag(rest) ?? process.env.INFERPORT_CONFIG ?? null;
  const config = await loadConfig(configPath, process.env);
  if (RECOVERY_COMMANDS.has(command!)) return runRecoveryCommand(command as 'backup' | 'restore' | 'audit', config, parseCommandArgs(rest));
  if (command === 'healthcheck') {
    const problem = await probeHealth(config);
    if (problem) log.error(`inferport: unhealthy: ${problem}`);
    return problem ? 1 : 0;
  }
  if (command === 'migrate') {
    const handle = openDatabase({ url: config.database.url, dataDir: config.server.dataDir, poolSize: 1 });
    const result = await migrate(handle);
    log.info(`migrated ${handle.location}: applied [${result.applied.join(', ')}], already applied [${result.skipped.join(', ')}]`);
    await handle.close();
    return 0;
  }
  // The server's lines follow [logs] format; healthcheck and migrate answer a person or a script in text.
  setLogFormat(config.logs.format);
  if (config.upstreamFetchLimit <= 256) {
    log.warn(
      `inferport: at most ${config.upstreamFetchLimit} upstream requests (streams included) can be in flight; ` +
        'set BUN_CONFIG_MAX_HTTP_REQUESTS (e.g. 4096) in the environment that starts inferport to raise it',
    );
  }
  const server = await startServer(config);
  log.info(`inferport ${VERSION} listening on ${server.url} (database: ${server.context.handle.kind} ${server.context.handle.location})`);
  let stopping = false;
  const cutNow = new AbortController();
  const shutdown = (signal: string) => {
    if (stopping) {
      log.info(`received ${signal} again: cutting the requests still in flight (each is charged for what it sent)`);
      return cutNow.abort();
    }
    stopping = true;
    const grace = config.server.shutdownGraceSeconds;
    log.info(`received ${signal}: not accepting connections; requests in flight have ${grace} s to finish (a second signal cuts them now)`);
    server.stop(cutNow.signal).then(
      () => {
        log.info('inferport stopped: every request settled, the ledger written');
        process.exit(0);
      },
      (error) => {
        log.error('inferport: shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // SIGHUP reloads the config file (src/reload); reloads run one after another, never at once.
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    if (stopping) return;
    log.info('received SIGHUP: reloading the configuration');
    reloading = reloading.then(() => reloadConfig(server.context, configPath, process.env).then(() => {}));
  });
  return -1; // keep running
}

function parseConfigFlag(args: string[]): string | null {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--config') return args[index + 1] ?? null;
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return null;
}

/** The arguments of a recovery command: --config and its value are read above and skipped here. */
function parseCommandArgs(args: string[]): CommandArgs {
  const parsed: CommandArgs = { positional: [], flags: new Set(), values: new Map() };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--config' || arg === '--max-entries') parsed.values.set(arg, args[++index] ?? '');
    else if (arg.startsWith('--') && arg.includes('=')) parsed.values.set(arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1));
    else if (arg.startsWith('--')) parsed.flags.add(arg);
    else parsed.positional.push(arg);
  }
  return parsed;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error) => {
    if (error instanceof ConfigError) log.error(`inferport: configuration error: ${error.message}`);
    else if (error instanceof StartupError) log.error(`inferport: ${error.message}`);
    else log.error('inferport: fatal:', error);
    process.exit(1);
  },
);
