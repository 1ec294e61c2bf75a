// Field validators: each names the key it checks in its error, so a bad config says where.
import { parseCreditsToMicros } from '../shared/money';
import { ConfigError, type Raw } from './types';

export function rejectUnknown(table: Raw, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(table)) {
    if (!known.includes(key)) throw new ConfigError(`unknown config key "${prefix}${key}" (known: ${known.join(', ')})`);
  }
}

export function isTable(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function string(value: unknown, at: string, fallback: string | null): string {
  if (value === undefined || value === '') {
    if (fallback === null) throw new ConfigError(`${at} is required`);
    return fallback;
  }
  if (typeof value !== 'string') throw new ConfigError(`${at} must be a string`);
  return value;
}

export function optionalString(value: unknown, at: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new ConfigError(`${at} must be a string`);
  return value;
}

/** An optional absolute http(s) URL, kept as written. */
export function httpUrl(value: unknown, at: string): string | null {
  const text = optionalString(value, at);
  if (text === null) return null;
  if (!/^https?:\/\/[^/\s]+/.test(text) || !URL.canParse(text)) throw new ConfigError(`${at} must be an http(s) URL`);
  return text;
}

/** An optional http(s) origin: scheme, host and port, no path (an SDK's endpoint has no path). */
export function httpOrigin(value: unknown, at: string): string | null {
  const text = httpUrl(value, at);
  if (text === null) return null;
  const url = new URL(text);
  if (url.pathname !== '/' || url.search || url.hash || url.username) throw new ConfigError(`${at} must be scheme, host and port only, like "http://127.0.0.1:12111"`);
  return url.origin;
}

export function integer(value: unknown, at: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${at} must be a whole number from ${min} to ${max}`);
  }
  return parsed;
}

export function boolean(value: unknown, at: string, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`${at} must be true or false`);
}

export function oneOf<T extends string>(value: unknown, at: string, choices: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(`${at} must be one of ${choices.map((choice) => `"${choice}"`).join(', ')}`);
  }
  return value as T;
}

export function positiveNumber(value: unknown, at: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new ConfigError(`${at} must be a positive number`);
  return value;
}

export function credits(value: unknown, at: string, fallback: bigint | null): bigint {
  if (value === undefined) {
    if (fallback === null) throw new ConfigError(`${at} is required`);
    return fallback;
  }
  const micros = typeof value === 'string' || typeof value === 'number' ? parseCreditsToMicros(value) : null;
  if (micros === null) throw new ConfigError(`${at} must be an amount of credits with at most 6 decimals`);
  return micros;
}

export function stringList(value: unknown, at: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new ConfigError(`${at} must be a list of strings`);
  }
  return value as string[];
}

export function numberList(value: unknown, at: string, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'number' || !(item > 0))) {
    throw new ConfigError(`${at} must be a list of positive numbers`);
  }
  return value as number[];
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
