// Public ids carry a type prefix (acct_, key_, …) so that a pasted id says what it is. The
// random part comes from a pool of random bytes refilled in bulk: ids are made several times per
// request, and one getRandomValues call per id showed in profiles.
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let offset = 0;

export function randomToken(length: number): string {
  if (offset + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  let out = '';
  // 252 is the largest multiple of 36 below 256: bytes above it are skipped to avoid bias.
  while (out.length < length) {
    if (offset >= pool.length) {
      pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
      offset = 0;
    }
    const byte = pool[offset++]!;
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomToken(20)}`;
}
