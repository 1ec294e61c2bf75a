// How the server's figures are shown. Amounts arrive as decimal strings of credits
// ("12.345600"): they are displayed by cutting and grouping their digits, and scaled for the
// chart as integer micro-credits (BigInt), never through a float.
const AMOUNT = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;

/** "1234.500000" → "1,234.50": trailing zeros cut, at least two decimals kept. */
export function formatCredits(amount) {
  const match = AMOUNT.exec(String(amount));
  if (!match) return String(amount);
  const [, sign, whole, fraction = ''] = match;
  return `${sign}${groupDigits(whole)}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

/** "20.500000" → "20.5", "5.000000" → "5": an amount to edit in a form field, as the server takes it. */
export function plainCredits(amount) {
  const match = AMOUNT.exec(String(amount));
  if (!match) return String(amount);
  const [, sign, whole, fraction = ''] = match;
  const trimmed = fraction.replace(/0+$/, '');
  return `${sign}${whole}${trimmed ? `.${trimmed}` : ''}`;
}

/** A decimal string of credits as integer micro-credits, or null when it is not one. */
export function toMicros(amount) {
  const match = AMOUNT.exec(String(amount));
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const micros = BigInt(whole) * 1000000n + BigInt(fraction.padEnd(6, '0'));
  return sign ? -micros : micros;
}

/** Integer micro-credits (BigInt) as the server writes them: "0.250000". */
export function microsToCredits(micros) {
  const negative = micros < 0n;
  const digits = (negative ? -micros : micros).toString().padStart(7, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
}

export const formatCount = (value) => groupDigits(String(value));

export function formatPercent(value) {
  if (value === null || value === undefined) return '—';
  const rounded = Math.round(value * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded}%`;
}

/** "2026-12-02T10:20:30.000Z" → "2026-12-02 10:20 UTC"; anything else as it came. */
export function formatTime(iso) {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(String(iso));
  return match ? `${match[1]} ${match[2]} UTC` : String(iso);
}

function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
