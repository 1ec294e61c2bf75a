// The echo upstream's streamed answer: a chunk per word, the finishing chunk, the usage chunk
// when stream_options.include_usage asks for it (the gateway always does), then [DONE]. Pulled
// one event at a time, as a real server's socket would be read.
/** One echo answer, before it is written as JSON (echo.ts) or as a stream (here). */
export interface EchoCompletion {
  id: string;
  created: number;
  model: string;
  object: 'chat.completion' | 'text_completion';
  words: string[];
  promptTokens: number;
  finishReason: 'stop' | 'length';
  includeUsage: boolean;
}

export function usageOf(completion: EchoCompletion) {
  const completionTokens = completion.words.length;
  return { prompt_tokens: completion.promptTokens, completion_tokens: completionTokens, total_tokens: completion.promptTokens + completionTokens };
}

const encoder = new TextEncoder();

export function echoStream(completion: EchoCompletion): Response {
  const events = eventsOf(completion);
  let next = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (next === events.length) return controller.close();
        controller.enqueue(encoder.encode(`data: ${events[next++]}\n\n`));
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}

function eventsOf(completion: EchoCompletion): string[] {
  const chat = completion.object === 'chat.completion';
  const { id, created, model } = completion;
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const chunk = (choice: Record<string, unknown>, usage: unknown = null) => JSON.stringify({ id, object, created, model, choices: choice ? [{ index: 0, logprobs: null, ...choice }] : [], usage });
  const piece = (text: string, finishReason: string | null) => (chat ? { delta: text === '' && finishReason === null ? { role: 'assistant', content: '' } : { content: text }, finish_reason: finishReason } : { text, finish_reason: finishReason });
  const events = chat ? [chunk(piece('', null))] : [];
  completion.words.forEach((word, index) => events.push(chunk(piece(index === 0 ? word : ` ${word}`, null))));
  events.push(chunk(chat ? { delta: {}, finish_reason: completion.finishReason } : piece('', completion.finishReason)));
  if (completion.includeUsage) events.push(JSON.stringify({ id, object, created, model, choices: [], usage: usageOf(completion) }));
  events.push('[DONE]');
  return events;
}
