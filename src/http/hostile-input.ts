// Refuses U+0000 in the strings an admin route is given (path ids, query parameters, body
// fields). PostgreSQL text cannot hold it (the insert fails as a 500) and SQLite would store a
// name no one can type: both databases get the same clear 400 instead, before anything is read
// or written. It also refuses objects with a "toString" or "valueOf" member: Elysia's validation
// message interpolates the wrong value it found (`but found: ${value}`), and {"toString": 1}
// cannot be made a string, so the validator itself threw a 500. That check runs before validation.
import { Elysia } from 'elysia';
import { badRequest } from '../errors';

/** A plugin whose hooks run on every route of the instance that uses it. */
export function refuseHostileInput() {
  return new Elysia()
    .onTransform({ as: 'scoped' }, ({ body }) => {
      const param = findConversionMember(body);
      if (param !== null) throw badRequest(`${param || 'The body'} must not be an object with a "toString" or "valueOf" member.`, param || null);
    })
    .onBeforeHandle({ as: 'scoped' }, ({ params, query, body }) => {
      for (const input of [params, query, body]) {
        const param = findNul(input);
        if (param !== null) throw badRequest(`${param || 'The input'} must not contain the NUL character (U+0000).`, param || null);
      }
    });
}

const CONVERSION_MEMBERS = ['toString', 'valueOf'];

/** The dotted path of the first object with an own toString or valueOf key, '' for the value itself, or null. */
export function findConversionMember(value: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (CONVERSION_MEMBERS.some((member) => Object.hasOwn(current, member))) return path;
    for (const [key, child] of Object.entries(current)) stack.push({ value: child, path: path === '' ? key : `${path}.${key}` });
  }
  return null;
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
