// Turns a failed schema check into a sentence that names the field and says, in words, what it
// must be ("email must be a valid email address or null"). TypeBox's own messages ("Expected
// union value") name neither. A schema may carry `expected`, a phrase that overrides the words
// derived from its keywords (for a pattern no one can read).

export interface SchemaNode {
  type?: string;
  anyOf?: SchemaNode[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
  expected?: string;
}

// TypeBox's ValueErrorType numbers for the two failures that are about a key, not a value.
const UNKNOWN_PROPERTY = 42;
const MISSING_PROPERTY = 45;

export interface FailedCheck {
  /** TypeBox's ValueErrorType. */
  type?: number;
  /** JSON pointer of the failing value, '' for the whole input. */
  path: string;
  schema: SchemaNode;
  value: unknown;
}

const PLACES: Record<string, string> = { body: '', query: 'query parameter ', params: 'path parameter ', headers: 'header ' };
const WHOLE: Record<string, string> = { body: 'The request body', query: 'The query string', params: 'The path', headers: 'The headers' };

/** The field's name as the API spells it ("models.0"), or null for the whole input. */
export function paramOfPath(path: string): string | null {
  const segments = path.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.length === 0 ? null : segments.join('.');
}

export function describeFailedCheck(where: string, check: FailedCheck): string {
  const param = paramOfPath(check.path);
  if (param === null) return `${WHOLE[where] ?? 'The input'} must be ${describeSchema(check.schema)}.`;
  const field = `${PLACES[where] ?? ''}${param}`;
  const { schema } = check;
  if (check.type === UNKNOWN_PROPERTY) {
    const known = Object.keys(schema.properties ?? {});
    return `${field} is not a known field${known.length > 0 ? `; the fields are ${known.join(', ')}` : ''}.`;
  }
  if (check.type === MISSING_PROPERTY) return `${field} is required: it must be ${describeSchema(schema)}.`;
  return `${field} must be ${describeSchema(schema)}.`;
}

/** A schema in words: "a string of 1 to 200 characters", "\"paid\" or \"promo\"". */
export function describeSchema(schema: SchemaNode): string {
  if (typeof schema.expected === 'string') return schema.expected;
  if (schema.anyOf) return [...new Set(schema.anyOf.map(describeSchema))].join(' or ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  switch (schema.type) {
    case 'string':
      return describeString(schema);
    case 'integer':
      return `an integer${describeRange(schema)}`;
    case 'number':
      return `a number${describeRange(schema)}`;
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array':
      return `an array${schema.maxItems === undefined ? '' : ` of at most ${schema.maxItems} items`}${schema.items ? `, each ${describeSchema(schema.items)}` : ''}`;
    case 'object':
      return 'a JSON object';
    default:
      return 'a valid value';
  }
}

function describeString(schema: SchemaNode): string {
  const length = describeLength(schema);
  if (schema.format === 'email') return `a valid email address${length}`;
  if (schema.format === 'date-time') return 'a date and time in RFC 3339 form, such as 2030-01-31T12:00:00Z';
  if (schema.format) return `a string in ${schema.format} format${length}`;
  if (schema.pattern) return `a string matching /${schema.pattern}/${length}`;
  if (schema.minLength === 1 && schema.maxLength === undefined) return 'a non-empty string';
  return `a string${length}`;
}

function describeLength(schema: SchemaNode): string {
  const { minLength: min, maxLength: max } = schema;
  if (min !== undefined && min > 0 && max !== undefined) return ` of ${min} to ${max} characters`;
  if (max !== undefined) return ` of at most ${max} characters`;
  if (min !== undefined && min > 0) return ` of at least ${min} characters`;
  return '';
}

function describeRange(schema: SchemaNode): string {
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}
