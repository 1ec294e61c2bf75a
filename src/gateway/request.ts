// Reads what the gateway needs from a client's OpenAI request body, validating only that;
// everything else passes through to the upstream untouched.
import { badRequest } from '../errors';
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
  model: string;
  stream: boolean;
  /** The client asked for the final usage chunk (stream_options.include_usage). */
  clientWantsUsage: boolean;
  /** Upper bound of prompt tokens: the body's byte length (a token is at least one byte). */
  promptTokensMax: number;
  /** A middle estimate of prompt tokens (4 bytes a token), used only when an upstream reports none. */
  promptTokensGuess: number;
  completionTokensMax: number;
}

export function parseGenerationRequest(endpoint: Endpoint, body: unknown, bodyBytes: number, price: PriceConfig): GenerationRequest {
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
    model,
    stream,
    clientWantsUsage,
    promptTokensMax: bodyBytes,
    promptTokensGuess: Math.ceil(promptBytes(endpoint, record) / 4),
    completionTokensMax: endpoint === 'embeddings' ? 0 : completionLimit(record, price),
  };
}

/** The most this request can cost: what is reserved before it is forwarded. */
export function reservationMicros(request: GenerationRequest, price: PriceConfig): bigint {
  return costOfUsage(price, { promptTokens: request.promptTokensMax, completionTokens: request.completionTokensMax });
}

function completionLimit(body: Record<string, unknown>, price: PriceConfig): number {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  let tokens = price.maxOutputTokens;
  if (limit !== undefined && limit !== null) {
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
      throw badRequest('max_tokens must be a positive integer', body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens');
    }
    tokens = limit;
  }
  const choices = body.n ?? 1;
  if (typeof choices !== 'number' || !Number.isInteger(choices) || choices < 1 || choices > 128) throw badRequest('n must be an integer from 1 to 128', 'n');
  return tokens * choices;
}

function promptBytes(endpoint: Endpoint, body: Record<string, unknown>): number {
  const source = endpoint === 'chat.completions' ? body.messages : endpoint === 'completions' ? body.prompt : body.input;
  if (source === undefined) throw badRequest(`${endpoint === 'chat.completions' ? 'messages' : endpoint === 'completions' ? 'prompt' : 'input'} is required`, endpoint === 'chat.completions' ? 'messages' : endpoint === 'completions' ? 'prompt' : 'input');
  return Buffer.byteLength(JSON.stringify(source));
}
