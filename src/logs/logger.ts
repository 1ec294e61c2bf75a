// The one logger: every line inferport writes goes through it, redacted (redact.ts). "json"
// writes one JSON object a line ({time, level, msg, ...fields}); "text" writes what console
// would, for a terminal. Lines go out through console at the moment of writing (info to stdout,
// warn and error to stderr), so whatever replaced console (a test's spy) still sees them.
import { redact } from './redact';

export type LogFormat = 'json' | 'text';
type Level = 'info' | 'warn' | 'error';

let format: LogFormat = 'text';

/** Set once by `inferport serve` from [logs] format; tests that read JSON lines set it and put it back. */
export function setLogFormat(next: LogFormat): void {
  format = next;
}

export function logFormat(): LogFormat {
  return format;
}

export const log = {
  info: (message: string, ...details: unknown[]) => write('info', message, details),
  warn: (message: string, ...details: unknown[]) => write('warn', message, details),
  error: (message: string, ...details: unknown[]) => write('error', message, details),
};

/** One structured line (a request's): its fields as they are in JSON, `key=value` pairs in text. */
export function logFields(message: string, fields: Record<string, string | number | null>): void {
  if (format === 'json') return emit('info', redact(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: message, ...fields })));
  let line = message;
  for (const key in fields) if (fields[key] !== null) line += ` ${key}=${fields[key]}`;
  emit('info', redact(line));
}

function write(level: Level, message: string, details: unknown[]): void {
  if (format === 'text') {
    const text = details.length === 0 ? message : `${message} ${details.map(describe).join(' ')}`;
    return emit(level, redact(text));
  }
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message };
  if (details.length > 0) line.detail = details.map(describe).join(' ');
  emit(level, redact(JSON.stringify(line)));
}

/** An error with its stack (Bun.inspect), anything else as console would print it. */
function describe(detail: unknown): string {
  return typeof detail === 'string' ? detail : Bun.inspect(detail, { colors: false });
}

function emit(level: Level, line: string): void {
  if (level === 'info') console.log(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
}
