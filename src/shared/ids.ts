// Public ids carry a type prefix (acct_, key_, …) so that a pasted id says what it is.
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % 36];
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomToken(20)}`;
}
