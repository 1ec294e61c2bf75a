// The token of an `Authorization: Bearer …` header, shared by the admin check and API-key auth.
// Anything else (another scheme, no token, a token with spaces) is no token at all.
export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : null;
}
