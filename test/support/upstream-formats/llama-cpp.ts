// llama.cpp's llama-server (ggml-org/llama.cpp), two builds:
// - current, tools/server/server-task.cpp @ 00efb3e18426 (to_json_oaicompat_chat_stream): a first
//   chunk with role and `content: null`, one chunk per token, a finish chunk with `delta: {}`, then
//   with stream_options.include_usage a chunk with `choices: []` and usage; `timings` goes on the
//   last chunk. Keys in nlohmann::ordered_json order (choices, created, id, model,
//   system_fingerprint, object). server-common.cpp format_oai_sse writes `data: <json>\n\n`;
//   server-context.cpp sends an error that arrives before the first result as an HTTP error,
//   and a later one as `data: {"error": {...}}` ending the stream without `[DONE]`.
// - b6097 (Aug 2025), tools/server/server.cpp: the finish chunk itself carries `usage` and
//   `timings` whatever stream_options say (wire capture: g0t4/ask-openai.nvim,
//   lua/ask-openai/rewrites/harmony/NOTES.md, system_fingerprint "b6097-9515c613"); every error
//   of a stream, the context-size one included, is `data: {"error": …}` after the 200 and is
//   followed by `data: [DONE]` (the error callback of receive_cmpl_results_stream).
// Errors: format_error_response {"code": <number>, "message", "type"}; the context one is
// type exceed_context_size_error with n_prompt_tokens and n_ctx, status 400. A single-model
// llama-server does not check the request's `model`.
import { CONTEXT_TOKENS, eventStream, overflows, rawJson, startFormatUpstream, textOf, type FormatUpstream, type Generation } from './core';

export type LlamaBuild = 'current' | 'b6097';

export function startLlamaCpp(build: LlamaBuild): FormatUpstream {
  // "b<build>-<commit>"; the current one's build number is illustrative.
  const fingerprint = build === 'b6097' ? 'b6097-9515c613' : 'b7400-00efb3e1';
  return startFormatUpstream((body, generation, scenario, errors) => {
    const overflow = overflows(generation);
    const error = overflow ? overflowError(generation) : { code: 500, message: 'Could not decode the batch', type: 'server_error' };
    // The current build waits for the first result before it answers: a first result that is an
    // error is sent with its status (server-context.cpp, "the first error must be treated as
    // non-stream response"); b6097 had already sent its 200.
    const firstIsError = overflow || scenario.errorAfterChunks === 0;
    const sendsStatus = overflow ? body.stream !== true || build === 'current' : firstIsError && build === 'current' && body.stream === true;
    if (overflow || scenario.errorAfterChunks !== null) errors.push({ status: error.code, message: error.message });
    if (sendsStatus) return rawJson(error.code, JSON.stringify({ error }));
    if (body.stream !== true) return Response.json(completion(generation, fingerprint));

    const tail = { created: generation.created, id: `chatcmpl-${generation.id}`, model: generation.model, system_fingerprint: fingerprint, object: 'chat.completion.chunk' };
    const event = (value: object) => `data: ${JSON.stringify(value)}\n\n`;
    const delta = (value: object, finish: string | null = null) => ({ choices: [{ finish_reason: finish, index: 0, delta: value }], ...tail });
    // A context error comes before any partial result, so before the role chunk too.
    const pieces = overflow ? [] : [event(delta({ role: 'assistant', content: null }))];
    const stopAt = overflow ? 0 : (scenario.errorAfterChunks ?? Infinity);
    generation.words.slice(0, stopAt).forEach((word) => pieces.push(event(delta({ content: word }))));
    if (stopAt !== Infinity) {
      pieces.push(event({ error }));
      if (build === 'b6097') pieces.push('data: [DONE]\n\n');
      return eventStream(pieces, scenario);
    }
    const usage = usageOf(generation);
    if (build === 'b6097') pieces.push(event({ ...delta({}, 'stop'), usage, timings: timingsOf(generation) }));
    else {
      const finish = delta({}, 'stop');
      if (body.stream_options?.include_usage === true) pieces.push(event(finish), event({ choices: [], ...tail, usage, timings: timingsOf(generation) }));
      else pieces.push(event({ ...finish, timings: timingsOf(generation) }));
    }
    pieces.push('data: [DONE]\n\n');
    return eventStream(pieces, scenario);
  });
}

const overflowError = (generation: Generation) => ({
  code: 400,
  message: `request (${generation.promptTokens} tokens) exceeds the available context size (${CONTEXT_TOKENS} tokens), try increasing it`,
  type: 'exceed_context_size_error',
  n_prompt_tokens: generation.promptTokens,
  n_ctx: CONTEXT_TOKENS,
});

const usageOf = (generation: Generation) => ({
  completion_tokens: generation.words.length,
  prompt_tokens: generation.promptTokens,
  total_tokens: generation.promptTokens + generation.words.length,
});

const timingsOf = (generation: Generation) => ({
  prompt_n: generation.promptTokens, prompt_ms: 12.5, prompt_per_token_ms: 0.5, prompt_per_second: 2000,
  predicted_n: generation.words.length, predicted_ms: 40.25, predicted_per_token_ms: 8.05, predicted_per_second: 124.2,
});

function completion(generation: Generation, fingerprint: string) {
  return {
    choices: [{ finish_reason: 'stop', index: 0, message: { role: 'assistant', content: textOf(generation) } }],
    created: generation.created, model: generation.model, system_fingerprint: fingerprint, object: 'chat.completion',
    usage: usageOf(generation), id: `chatcmpl-${generation.id}`, timings: timingsOf(generation),
  };
}
