// What must never reach a log line, recognised by its shape: inferport's API keys, bearer
// tokens, Stripe and OpenAI-style secrets, webhook signing secrets and card numbers; plus the
// exact secrets the process was configured with (the admin token, Stripe's keys, upstream keys),
// which have no recognisable shape. Applied to every line the logger writes.

const SHAPES: [RegExp, string][] = [
  [/\bBearer\s+[^\s"',;]+/gi, 'Bearer [redacted]'],
  // A key's first 10 characters (ipk_ + 6) are its public prefix; a full key is far longer.
  [/\bipk_[A-Za-z0-9_-]{12,}/g, 'ipk_[redacted]'],
  [/\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]+/g, '$1_$2_[redacted]'],
  [/\bwhsec_[A-Za-z0-9+/=_-]+/g, 'whsec_[redacted]'],
  [/\bsk-[A-Za-z0-9_-]{12,}/g, 'sk-[redacted]'],
];

/**
 * 16 digits starting as Visa, Mastercard or Discover numbers do (or Amex's 15), in groups of four
 * separated by a space or a dash or not at all, as cards are written. Millisecond timestamps
 * (13 digits) and microsecond ones (16, starting with 1) are left alone, as is any run that fails
 * the card checksum.
 */
export const CARD_LIKE = /\b(?:[2456]\d{3}(?:[ -]?\d{4}){3}|3[47]\d{2}[ -]?\d{6}[ -]?\d{5})\b/g;

const known = new Set<string>();

/** Secrets to blank out wherever they appear; values shorter than 8 characters are ignored (too common). */
export function addSecrets(values: readonly (string | null | undefined)[]): void {
  for (const value of values) if (value && value.length >= 8) known.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  return out.replace(CARD_LIKE, (match) => (isLuhnValid(match.replace(/[ -]/g, '')) ? '[card redacted]' : match));
}

/** The card-number checksum: a run of digits that fails it is an id or a count, not a card. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}
