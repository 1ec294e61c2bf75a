// Hugging Face text-generation-inference (huggingface/text-generation-inference @ db931fcf42da):
// - router/src/server.rs chat_completions: an axum Sse with KeepAlive::default(); each chunk is
//   Event::default().json_data(..), which axum (tokio-rs/axum axum/src/response/sse.rs) writes as
//   `data:<json>\n\n`, with no space; the keep-alive is an empty comment `:\n\n` (every 15 s of
//   silence; here once, between two tokens); the stream always ends `data:[DONE]\n\n`.
// - router/src/lib.rs: CompletionType is tagged by "object" (first key); `usage` is an Option
//   without skip, so `"usage":null` on every token chunk. router/src/chat.rs ChatState::push: the
//   last token's chunk carries finish_reason, then with include_usage a chunk with `id: ""`,
//   `choices: []` and usage.
// - router/src/infer/mod.rs into_openai_event: any error while streaming, the input validation
//   of generate_stream included (so a context overflow too), is an event
//   `{"error":{"message","http_status_code":422}}` after the 200, then `[DONE]`.
// - Outside a stream errors are {"error": "<text>", "error_type": "validation"} with 422
//   (server.rs, From<InferError>); validation.rs words the token limit. TGI serves one model
//   and ignores the request's `model`.
import { CONTEXT_TOKENS, eventStream, overflows, rawJson, startFormatUpstream, textOf, type FormatUpstream, type Generation } from './core';

const FINGERPRINT = '3.3.7-native';

export function startTgi(): FormatUpstream {
  return startFormatUpstream((body, generation, scenario, errors) => {
    const overflow = overflows(generation);
    const message = overflow
      ? `Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= ${CONTEXT_TOKENS}. Given: ${generation.promptTokens} \`inputs\` tokens and ${generation.maxTokens} \`max_new_tokens\``
      : 'Request failed during generation: Server error: CUDA out of memory';
    if (overflow || scenario.errorAfterChunks !== null) errors.push({ status: 422, message });
    if (body.stream !== true) {
      if (overflow) return rawJson(422, JSON.stringify({ error: message, error_type: 'validation' }));
      return Response.json(completion(generation));
    }
    const head = { object: 'chat.completion.chunk', id: '', created: generation.created, model: generation.model, system_fingerprint: FINGERPRINT };
    const event = (value: object) => `data:${JSON.stringify(value)}\n\n`;
    const last = generation.words.length - 1;
    const stopAt = overflow ? 0 : (scenario.errorAfterChunks ?? Infinity);
    const pieces = generation.words.slice(0, stopAt).map((word, index) =>
      event({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: word }, logprobs: null, finish_reason: index === last && stopAt === Infinity ? 'stop' : null }], usage: null }));
    if (pieces.length > 1) pieces.splice(1, 0, ':\n\n');
    if (stopAt !== Infinity) pieces.push(event({ error: { message, http_status_code: 422 } }));
    else if (body.stream_options?.include_usage === true) pieces.push(event({ ...head, id: '', choices: [], usage: usageOf(generation) }));
    pieces.push('data:[DONE]\n\n');
    return eventStream(pieces, scenario);
  });
}

const usageOf = (generation: Generation) => ({
  prompt_tokens: generation.promptTokens,
  completion_tokens: generation.words.length,
  total_tokens: generation.promptTokens + generation.words.length,
});

function completion(generation: Generation) {
  return {
    object: 'chat.completion', id: '', created: generation.created, model: generation.model, system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, message: { role: 'assistant', content: textOf(generation) }, logprobs: null, finish_reason: 'stop' }],
    usage: usageOf(generation),
  };
}
