// Refuses U+0000 in the strings an admin route is given (path ids, query parameters, body
// fields). PostgreSQL text cannot hold it (the insert fails as a 500) and SQLite would store a
// name no one can type: both databases get the same clear 400 instead, before anything is read
// or written.
import { Elysia } from 'elysia';
import { badRequest } from '../errors';

/** A plugin whose hook runs on every route of the instance that uses it, after validation. */
export function refuseNulCharacters() {
  return new Elysia().onBeforeHandle({ as: 'scoped' }, ({ params, query, body }) => {
    for (const input of [params, query, body]) {
      const param = findNul(input);
      if (param !== null) throw badRequest(`${param || 'The input'} must not contain the NUL character (U+0000).`, param || null);
    }
  });
}

/** The dotted path of the first string (or key) holding U+0000, '' for the value itself, or null. */
export function findNul(value: unknown): string | null {
  // An explicit stack: bodies are depth-limited, but this walk should not depend on it.
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return path;
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (key.includes('\u0000')) return childPath;
        stack.push({ value: child, path: childPath });
      }
    }
  }
  return null;
}
