// Reads one upstream SSE event for the relay: the end marker, an error report, a chunk carrying
// usage, or anything else (passed through as it came). Pure, so each server's format is tested
// without a stream.
import { isErrorEvent, readUpstreamError, type UpstreamError } from './upstream-errors';
import { readUsage, type UsageReading } from './usage';

export type UpstreamEvent =
  | { kind: 'done' }
  | { kind: 'error'; error: UpstreamError }
  | { kind: 'usage'; chunk: Record<string, unknown>; reading: UsageReading; content: boolean }
  | { kind: 'other'; content: boolean };

// Cheap tests before any JSON.parse: most chunks carry neither usage nor an error.
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const ERROR_FIELD = /"error"\s*:|"object"\s*:\s*"error"/;
const ERROR_EVENT_LINE = /^event:\s*error\s*$/m;
// Text, tool-call arguments or reasoning: whatever the client receives as generated output.
const GENERATED_OUTPUT = /"(?:content|text|arguments|reasoning_content|reasoning)"\s*:\s*"[^"]/;

/** `data` is the event's data (see eventData); `event` the whole event text. */
export function readEvent(event: string, data: string): UpstreamEvent {
  if (data === '[DONE]') return { kind: 'done' };
  // includes() first: a native search, where most events end the test.
  const namedError = event.includes('event:') && ERROR_EVENT_LINE.test(event);
  if (namedError || (data.includes('"error"') && ERROR_FIELD.test(data))) {
    const parsed = parseJson(data);
    if (namedError || isErrorEvent(parsed)) return { kind: 'error', error: readUpstreamError(parsed ?? data, null) };
  }
  const content = GENERATED_OUTPUT.test(data);
  if (!data.includes('"usage"') || !USAGE_OBJECT.test(data)) return { kind: 'other', content };
  const chunk = parseJson(data);
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) return { kind: 'other', content };
  const record = chunk as Record<string, unknown>;
  return { kind: 'usage', chunk: record, reading: readUsage(record.usage), content };
}

/** The data lines of an event joined by newlines, or null when it has none (a comment). */
export function eventData(event: string): string | null {
  // Most events are one data line.
  if (event.startsWith('data:') && !event.includes('\n')) return event.slice(event.charCodeAt(5) === 32 ? 6 : 5);
  let data: string | null = null;
  for (const line of event.split('\n')) {
    if (line.startsWith('data:')) {
      const value = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
      data = data === null ? value : `${data}\n${value}`;
    }
  }
  return data;
}

/** The identifying fields of a chunk, for the usage chunk inferport sends in its name. */
export function chunkHead(chunk: Record<string, unknown>): Record<string, unknown> {
  const head: Record<string, unknown> = {};
  for (const field of ['id', 'object', 'created', 'model', 'system_fingerprint']) if (chunk[field] !== undefined) head[field] = chunk[field];
  return head;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
