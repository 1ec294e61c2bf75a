// vLLM's OpenAI server as of 2026, reproduced from its source (vllm-project/vllm):
// - vllm/entrypoints/openai/chat_completion/serving.py @ 5e918640d7b6 (chat_completion_stream_generator):
//   `data: {chunk.model_dump_json(exclude_unset=True)}\n\n` per token, a first chunk with the role,
//   and with stream_options.include_usage a last chunk with `choices: []` and the usage
//   (exclude_none); an exception inside the generator becomes `data: {"error": {...}}` and then,
//   always, `data: [DONE]\n\n` (HTTP 200, the status is already sent).
// - vllm/entrypoints/openai/engine/serving.py (create_error_response, create_streaming_error_response):
//   ErrorResponse(error=ErrorInfo(message, type, param, code=<HTTP status as a number>)); the
//   streaming form is json.dumps() of it, so with Python's ", " and ": " separators.
// - _check_model: 404 "The model `x` does not exist." type NotFoundError; the context check
//   (vllm/renderers/params.py) answers 400 before any stream starts.
import { SERVED_MODEL, CONTEXT_TOKENS, eventStream, overflows, rawJson, startFormatUpstream, textOf, type FormatUpstream, type Generation } from './core';

const errorBody = (message: string, type: string, code: number, param: string | null = null) => ({ error: { message, type, param, code } });

export function startVllm(): FormatUpstream {
  return startFormatUpstream((body, generation, scenario, errors) => {
    const fail = (status: number, type: string, message: string, param: string | null = null) => {
      errors.push({ status, message });
      return rawJson(status, JSON.stringify(errorBody(message, type, status, param)));
    };
    if (body.model !== SERVED_MODEL) return fail(404, 'NotFoundError', `The model \`${body.model}\` does not exist.`);
    if (overflows(generation)) return fail(400, 'BadRequestError', overflowMessage(generation), 'input_tokens');
    if (body.stream !== true) return Response.json(completion(generation));

    const head = { id: `chatcmpl-${generation.id}`, object: 'chat.completion.chunk', created: generation.created, model: generation.model };
    const event = (value: object) => `data: ${JSON.stringify(value)}\n\n`;
    const choice = (delta: object, finish: string | null = null) => ({ index: 0, delta, logprobs: null, finish_reason: finish, ...(finish ? { stop_reason: null } : {}) });
    const pieces = [event({ ...head, choices: [choice({ role: 'assistant', content: '' })] })];
    for (const [index, word] of generation.words.entries()) {
      if (index === scenario.errorAfterChunks) break;
      pieces.push(event({ ...head, choices: [choice({ content: word })] }));
    }
    if (scenario.errorAfterChunks !== null && scenario.errorAfterChunks <= generation.words.length) {
      errors.push({ status: 500, message: 'Internal server error' });
      // Python's json.dumps: ", " and ": " between items.
      pieces.push(`data: {"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}\n\n`);
    } else {
      pieces.push(event({ ...head, choices: [choice({ content: '' }, 'stop')] }));
      if (body.stream_options?.include_usage === true) pieces.push(event({ ...head, choices: [], usage: usageOf(generation) }));
    }
    pieces.push('data: [DONE]\n\n');
    return eventStream(pieces, scenario);
  });
}

function overflowMessage(generation: Generation): string {
  const total = generation.promptTokens + generation.maxTokens;
  return `This model's maximum context length is ${CONTEXT_TOKENS} tokens. However, you requested ${generation.maxTokens} output tokens and your prompt contains ${generation.promptTokens} input tokens, for a total of ${total} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`;
}

// vLLM's UsageInfo field order.
const usageOf = (generation: Generation) => ({
  prompt_tokens: generation.promptTokens,
  total_tokens: generation.promptTokens + generation.words.length,
  completion_tokens: generation.words.length,
});

function completion(generation: Generation) {
  return {
    id: `chatcmpl-${generation.id}`, object: 'chat.completion', created: generation.created, model: generation.model,
    choices: [{ index: 0, message: { role: 'assistant', content: textOf(generation), refusal: null, tool_calls: [], reasoning_content: null }, logprobs: null, finish_reason: 'stop', stop_reason: null }],
    service_tier: null, system_fingerprint: null, usage: { ...usageOf(generation), prompt_tokens_details: null }, prompt_logprobs: null,
  };
}
