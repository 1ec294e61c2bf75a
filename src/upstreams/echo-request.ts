// What the echo upstream reads from a request body: the texts of its messages or prompt, their
// words (the echo's tokens), and the output limit. Lenient: what is not text counts as no words.
export const wordsOf = (text: string): string[] => text.split(/\s+/).filter((word) => word !== '');

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join(' ');
}

export function messageTexts(messages: unknown): string[] {
  return Array.isArray(messages) ? messages.map((message) => contentText(message?.content)) : [];
}

export function lastUserText(messages: unknown): string {
  const list = Array.isArray(messages) ? messages : [];
  const last = [...list].reverse().find((message) => message?.role === 'user');
  return last ? contentText(last.content) : '';
}

export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function firstInteger(...values: unknown[]): number | null {
  for (const value of values) if (typeof value === 'number' && Number.isInteger(value)) return value;
  return null;
}
