// Coupon codes: what an admin chooses and a customer types or pastes. A code is 3 to 64 ASCII
// letters, digits, "-" or "_", and is case-insensitive: it is stored and compared in upper
// case, so "welcome-20" redeems "WELCOME-20". The charset is checked before the case is folded,
// because toUpperCase maps some non-ASCII letters onto ASCII ones ("ı" becomes "I").

export const COUPON_CODE_PATTERN = '^[A-Za-z0-9_-]{3,64}$';
export const COUPON_CODE_WORDS = 'a code of 3 to 64 letters, digits, "-" or "_"';

const CODE = new RegExp(COUPON_CODE_PATTERN);

/** The code as stored: spaces around it dropped, upper case; null when it cannot be a code. */
export function normalizeCouponCode(text: string): string | null {
  const trimmed = text.trim();
  return CODE.test(trimmed) ? trimmed.toUpperCase() : null;
}
