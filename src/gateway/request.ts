// Reads what the gateway needs from a client's OpenAI request body, validating only that;
// everything else passes through to the upstream untouched.
import { badRequest } from '../errors';
import { assert } from '../shared/assert';
import type { PriceConfig } from '../config';
import { costOfUsage } from './pricing';

export type Endpoint = 'chat.completions' | 'completions' | 'embeddings';

export const ENDPOINT_PATHS: Record<Endpoint, string> = {
  'chat.completions': '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
};

export interface GenerationRequest {
  endpoint: Endpoint;
  body: Record<string, unknown>;
  /** The body's text as the client sent it, when known (the parsed value alone may be given). */
  text?: string;
  model: string;
  stream: boolean;
  /** The client asked for the final usage chunk (stream_options.include_usage). */
  clientWantsUsage: boolean;
  /** Upper bound of prompt tokens: the body's byte length (a token is at least one byte). */
  promptTokensMax: number;
  /** A middle estimate of prompt tokens (4 bytes a token), used only when an upstream reports none. */
  promptTokensGuess: number;
  completionTokensMax: number;
  /** The output limit the client set itself (per choice), if it set one. */
  completionTokensAsked: { field: 'max_tokens' | 'max_completion_tokens'; tokens: number } | null;
  /** A max_tokens the upstream gets because the client set none and a plan bounds it; null: none added. */
  maxTokensAdded: number | null;
}

export function parseGenerationRequest(endpoint: Endpoint, body: unknown, bodyBytes: number, price: PriceConfig, text?: string): GenerationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const record = body as Record<string, unknown>;
  const model = record.model;
  if (typeof model !== 'string' || model.length === 0) throw badRequest('you must provide a model parameter', 'model');
  const stream = record.stream ?? false;
  if (typeof stream !== 'boolean') throw badRequest('stream must be a boolean', 'stream');
  if (endpoint === 'embeddings' && stream) throw badRequest('embeddings cannot be streamed', 'stream');
  const streamOptions = record.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && (typeof streamOptions !== 'object' || Array.isArray(streamOptions))) {
    throw badRequest('stream_options must be an object', 'stream_options');
  }
  const clientWantsUsage = (streamOptions as { include_usage?: unknown } | null | undefined)?.include_usage === true;
  return {
    endpoint,
    body: record,
    text,
    model,
    stream,
    clientWantsUsage,
    promptTokensMax: bodyBytes,
    promptTokensGuess: Math.ceil(promptBytes(endpoint, record) / 4),
    completionTokensMax: endpoint === 'embeddings' ? 0 : completionLimit(record, price),
    completionTokensAsked: endpoint === 'embeddings' ? null : askedLimit(record),
    maxTokensAdded: null,
  };
}

/** max_completion_tokens wins over max_tokens, as in OpenAI's API (both validated by completionLimit). */
function askedLimit(body: Record<string, unknown>): GenerationRequest['completionTokensAsked'] {
  for (const field of ['max_completion_tokens', 'max_tokens'] as const) {
    const tokens = tokenLimit(body, field);
    if (tokens !== null) return { field, tokens };
  }
  return null;
}

/** The most this request can cost: what is reserved before it is forwarded. */
export function reservationMicros(request: GenerationRequest, price: PriceConfig): bigint {
  return costOfUsage(price, { promptTokens: request.promptTokensMax, completionTokens: request.completionTokensMax });
}

/**
 * The most completion tokens a request may ask for: int32's maximum, what inference servers
 * parse these fields into. With `n` at most 128 the reserved total stays a safe integer, so the
 * reservation is exact (1e308 tokens times 2 choices would otherwise be Infinity).
 */
export const COMPLETION_TOKENS_MAX = 2_147_483_647;
const CHOICES_MAX = 128;

function completionLimit(body: Record<string, unknown>, price: PriceConfig): number {
  // Both fields reach the upstream, so both must be sane; max_completion_tokens wins, as in OpenAI's API.
  const maxTokens = tokenLimit(body, 'max_tokens');
  const maxCompletionTokens = tokenLimit(body, 'max_completion_tokens');
  const tokens = maxCompletionTokens ?? maxTokens ?? price.maxOutputTokens;
  const choices = body.n ?? 1;
  if (typeof choices !== 'number' || !Number.isInteger(choices) || choices < 1 || choices > CHOICES_MAX) throw badRequest(`n must be an integer from 1 to ${CHOICES_MAX}`, 'n');
  const total = tokens * choices;
  assert(Number.isSafeInteger(total), 'a request reserves a safe integer of completion tokens');
  return total;
}

function tokenLimit(body: Record<string, unknown>, field: 'max_tokens' | 'max_completion_tokens'): number | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > COMPLETION_TOKENS_MAX) {
    throw badRequest(`${field} must be an integer from 1 to ${COMPLETION_TOKENS_MAX}`, field);
  }
  return value;
}

function promptBytes(endpoint: Endpoint, body: Record<string, unknown>): number {
  const source = endpoint === 'chat.completions' ? body.messages : endpoint === 'completions' ? body.prompt : body.input;
  if (source === undefined) throw badRequest(`${endpoint === 'chat.completions' ? 'messages' : endpoint === 'completions' ? 'prompt' : 'input'} is required`, endpoint === 'chat.completions' ? 'messages' : endpoint === 'completions' ? 'prompt' : 'input');
  return Buffer.byteLength(JSON.stringify(source));
}
