// Money is integer micro-credits everywhere inside inferport. These helpers are the only
// place that converts between the decimal strings of the HTTP API / config and bigint micros.

export const MICROS_PER_CREDIT = 1_000_000n;

const DECIMAL = /^(\d{1,12})(?:\.(\d{1,6}))?$/;

/** Parses "12.5" (or a config number such as 0.75) into micro-credits; null when malformed. */
export function parseCreditsToMicros(value: string | number): bigint | null {
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  if (text === null) return null;
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(6, '0'));
  return whole * MICROS_PER_CREDIT + fraction;
}

// Config files are TOML, whose decimals arrive as JS numbers. Their shortest round-trip string
// ("0.75") is exact enough to parse as a decimal; anything needing exponent notation is refused.
function numberToPlainString(value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return null;
  const text = String(value);
  return /e/i.test(text) ? null : text;
}

/** Formats micro-credits as a decimal string of credits with six places: 1500000n → "1.500000". */
export function formatMicros(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const whole = abs / MICROS_PER_CREDIT;
  const fraction = (abs % MICROS_PER_CREDIT).toString().padStart(6, '0');
  return `${sign}${whole}.${fraction}`;
}

/** Integer division rounding up, for prices: a partial micro-credit is always charged as one. */
export function divideRoundingUp(numerator: bigint, denominator: bigint): bigint {
  if (numerator <= 0n) return 0n;
  return (numerator + denominator - 1n) / denominator;
}

// US dollars, for what customers pay: whole cents as bigint, like credits are micros.
const USD = /^(\d{1,6})(?:\.(\d{1,2}))?$/;

/** "12.5" → 1250n; null unless it is a plain amount of dollars with at most 2 decimals. */
export function parseUsdToCents(text: string): bigint | null {
  const match = USD.exec(text);
  if (!match) return null;
  return BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

/** 1250n → "12.50". */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
