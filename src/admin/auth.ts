// The admin bearer check, as a plugin whose hook is scoped to the routes instance that uses it.
// It runs at transform, before body validation, so a stranger learns nothing about the schema.
import { Elysia } from 'elysia';
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors';
import { bearerToken } from '../http/bearer';

export const ADMIN_SECURITY = [{ adminBearer: [] as string[] }];

export function adminAuth(adminToken: string | null) {
  // Compare digests, not the strings: equal lengths for timingSafeEqual, and no early exit that
  // would leak how much of the token an attacker guessed right.
  const expected = adminToken ? digest(adminToken) : null;
  return new Elysia({ name: 'admin-auth', seed: adminToken }).onTransform({ as: 'scoped' }, ({ headers }) => {
    if (!expected) {
      throw new ApiError(401, 'admin_disabled', 'The admin API is disabled: set INFERPORT_ADMIN_TOKEN.');
    }
    const token = bearerToken(headers.authorization);
    if (!token || !timingSafeEqual(digest(token), expected)) {
      throw new ApiError(401, 'invalid_admin_token', 'Missing or incorrect admin token.');
    }
  });
}

function digest(text: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher('sha256').update(text).digest());
}
