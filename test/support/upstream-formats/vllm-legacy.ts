// vLLM before the 2025 error rework (the v0.4–v0.5 line, still deployed), from its source
// (vllm-project/vllm, tag v0.4.0):
// - vllm/entrypoints/openai/serving_chat.py (chat_completion_stream_generator): every chunk is
//   `chunk.model_dump_json(exclude_unset=True, exclude_none=True)`; the chunk that carries
//   finish_reason also carries `usage` (there is no separate usage chunk); a ValueError raised
//   while streaming becomes `data: {create_streaming_error_response(str(e))}` and then
//   `data: [DONE]\n\n`, with HTTP 200.
// - vllm/entrypoints/openai/protocol.py: ErrorResponse is flat, not OpenAI's shape:
//   {"object": "error", "message", "type", "param", "code": <HTTP status as a number>}, the body
//   of every HTTP error; serving_engine.py create_streaming_error_response wraps it once,
//   json.dumps({"error": ErrorResponse(...).model_dump()}).
// - serving_engine.py _check_model (404 NotFoundError) and _validate_prompt_and_tokenize
//   ("This model's maximum context length is … (N in the messages, M in the completion) …", 400).
import { SERVED_MODEL, CONTEXT_TOKENS, eventStream, overflows, rawJson, startFormatUpstream, textOf, type FormatUpstream, type Generation } from './core';

export function startVllmLegacy(): FormatUpstream {
  return startFormatUpstream((body, generation, scenario, errors) => {
    const fail = (status: number, type: string, message: string) => {
      errors.push({ status, message });
      return rawJson(status, JSON.stringify({ object: 'error', message, type, param: null, code: status }));
    };
    if (body.model !== SERVED_MODEL) return fail(404, 'NotFoundError', `The model \`${body.model}\` does not exist.`);
    if (overflows(generation)) return fail(400, 'BadRequestError', overflowMessage(generation));
    if (body.stream !== true) return Response.json(completion(generation));

    const head = { id: `cmpl-${generation.id}`, object: 'chat.completion.chunk', created: generation.created, model: generation.model };
    const event = (value: object) => `data: ${JSON.stringify(value)}\n\n`;
    const pieces = [event({ ...head, choices: [{ index: 0, delta: { role: 'assistant' } }] })];
    const last = generation.words.length - 1;
    for (const [index, word] of generation.words.entries()) {
      if (index === scenario.errorAfterChunks) break;
      if (index < last || scenario.errorAfterChunks !== null) pieces.push(event({ ...head, choices: [{ index: 0, delta: { content: word } }] }));
      // The last token comes with finish_reason and the request's usage on the same chunk.
      else pieces.push(event({ ...head, choices: [{ index: 0, delta: { content: word }, finish_reason: 'stop' }], usage: usageOf(generation) }));
    }
    if (scenario.errorAfterChunks !== null) {
      const message = 'Engine loop has died';
      errors.push({ status: 400, message });
      pieces.push(`data: {"error": {"object": "error", "message": "${message}", "type": "BadRequestError", "param": null, "code": 400}}\n\n`);
    }
    pieces.push('data: [DONE]\n\n');
    return eventStream(pieces, scenario);
  });
}

function overflowMessage(generation: Generation): string {
  const total = generation.promptTokens + generation.maxTokens;
  return `This model's maximum context length is ${CONTEXT_TOKENS} tokens. However, you requested ${total} tokens (${generation.promptTokens} in the messages, ${generation.maxTokens} in the completion). Please reduce the length of the messages or completion.`;
}

const usageOf = (generation: Generation) => ({
  prompt_tokens: generation.promptTokens,
  total_tokens: generation.promptTokens + generation.words.length,
  completion_tokens: generation.words.length,
});

function completion(generation: Generation) {
  return {
    id: `cmpl-${generation.id}`, object: 'chat.completion', created: generation.created, model: generation.model,
    choices: [{ index: 0, message: { role: 'assistant', content: textOf(generation) }, logprobs: null, finish_reason: 'stop', stop_reason: null }],
    usage: usageOf(generation),
  };
}
