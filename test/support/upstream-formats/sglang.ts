// SGLang's OpenAI server (sgl-project/sglang):
// - python/sglang/srt/entrypoints/openai/serving_chat.py @ 0c078e6f4268 (_generate_chat_stream):
//   `data: {chunk.model_dump_json()}\n\n`, pydantic's compact JSON with every field, so
//   `"usage":null` and null delta fields on token chunks; a finish chunk; with
//   stream_options.include_usage a chunk with `choices: []` (“Empty choices array as per OpenAI
//   spec”); a ValueError while streaming (tokenizer_manager's context-length check among them)
//   becomes `data: {create_streaming_error_response(str(e))}`; then always `data: [DONE]\n\n`.
// - serving_base.py @ c5695a4be1c4: create_error_response answers the flat
//   ErrorResponse {"object":"error","message","type","param","code":<status>} (ORJSONResponse,
//   compact); create_streaming_error_response is json.dumps({"error": ErrorResponse.model_dump()}),
//   with Python's ", " and ": " separators.
// SGLang serves one model and does not check the request's `model`.
import { CONTEXT_TOKENS, eventStream, overflows, rawJson, startFormatUpstream, textOf, type FormatUpstream, type Generation } from './core';

export function startSglang(): FormatUpstream {
  return startFormatUpstream((body, generation, scenario, errors) => {
    const overflow = overflows(generation);
    const message = overflow
      ? `The input (${generation.promptTokens} tokens) is longer than the model's context length (${CONTEXT_TOKENS} tokens).`
      : 'Abort request: the scheduler ran out of KV cache';
    if (overflow || scenario.errorAfterChunks !== null) errors.push({ status: 400, message });
    if (body.stream !== true) {
      if (overflow) return rawJson(400, JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 }));
      return Response.json(completion(generation));
    }
    const head = { id: generation.id, object: 'chat.completion.chunk', created: generation.created, model: generation.model };
    const event = (value: object) => `data: ${JSON.stringify(value)}\n\n`;
    const choice = (delta: object, finish: string | null) => ({ index: 0, delta: { role: null, content: null, reasoning_content: null, tool_calls: null, ...delta }, logprobs: null, finish_reason: finish, matched_stop: null });
    const stopAt = overflow ? 0 : (scenario.errorAfterChunks ?? Infinity);
    const pieces = generation.words.slice(0, stopAt).map((word, index) =>
      event({ ...head, choices: [choice(index === 0 ? { role: 'assistant', content: word } : { content: word }, null)], usage: null }));
    if (stopAt !== Infinity) {
      pieces.push(`data: {"error": {"object": "error", "message": "${message}", "type": "BadRequestError", "param": null, "code": 400}}\n\n`);
    } else {
      pieces.push(event({ ...head, choices: [choice({}, 'stop')], usage: null }));
      if (body.stream_options?.include_usage === true) pieces.push(event({ ...head, choices: [], usage: usageOf(generation) }));
    }
    pieces.push('data: [DONE]\n\n');
    return eventStream(pieces, scenario);
  });
}

const usageOf = (generation: Generation) => ({
  prompt_tokens: generation.promptTokens,
  total_tokens: generation.promptTokens + generation.words.length,
  completion_tokens: generation.words.length,
  prompt_tokens_details: null,
});

function completion(generation: Generation) {
  return {
    id: generation.id, object: 'chat.completion', created: generation.created, model: generation.model,
    choices: [{ index: 0, message: { role: 'assistant', content: textOf(generation), reasoning_content: null, tool_calls: null }, logprobs: null, finish_reason: 'stop', matched_stop: null }],
    usage: usageOf(generation),
  };
}
