// Durations of audio inferport can measure itself, from the bytes: WAV (its header) and raw PCM
// (16-bit mono; OpenAI's is 24 kHz, openedai-speech names its rate in the content type, e.g.
// "audio/pcm;rate=22050"), and the end of a subtitle transcript. Compressed formats: compressed-duration.ts.

/** Milliseconds of a WAV file's audio, or null when the bytes are not a WAV file. */
export function wavDurationMs(bytes: Uint8Array): number | null {
  if (bytes.byteLength < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let byteRate = 0;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && body + 12 <= bytes.byteLength) byteRate = view.getUint32(body + 8, true);
    if (id === 'data') {
      if (byteRate === 0) return null;
      // A WAV written to a pipe (ffmpeg behind openedai-speech) cannot say its size in advance:
      // it writes 0 or 0xFFFFFFFF, and the audio is whatever follows.
      const remaining = bytes.byteLength - body;
      const dataBytes = size === 0 || size === 0xffffffff ? remaining : Math.min(size, remaining);
      return (dataBytes * 1000) / byteRate;
    }
    offset = body + size + (size % 2); // chunks are padded to an even size
  }
  return null;
}

/** Milliseconds of 16-bit mono PCM at `rate` samples a second. */
export function pcmDurationMs(byteLength: number, rate: number): number {
  return (byteLength * 1000) / (rate * 2);
}

/** The sample rate a content type such as "audio/pcm;rate=22050" names; OpenAI's 24 kHz otherwise. */
export function pcmRateOf(contentType: string | null): number {
  const rate = Number(/rate=(\d+)/.exec(contentType ?? '')?.[1]);
  return Number.isSafeInteger(rate) && rate >= 1000 && rate <= 384_000 ? rate : 24_000;
}

/** The end of the last cue of an SRT or VTT transcript ("00:01:02,500 --> 00:01:04,000"), in milliseconds. */
export function lastCueEndMs(transcript: string): number | null {
  let end: number | null = null;
  for (const match of transcript.matchAll(/-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})/g)) {
    const [, hours, minutes, seconds, fraction] = match;
    const ms = ((Number(hours ?? 0) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + Number(fraction!.padEnd(3, '0'));
    end = Math.max(end ?? 0, ms);
  }
  return end;
}

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}
