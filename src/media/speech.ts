// POST /v1/audio/speech: priced per second of audio produced (prices' `audio_second`, 0.01
// credits by default). It reserves the longest the input could be spoken ([media]
// speech_characters_per_second_min, divided by `speed`), and charges the length it measures in
// the answer's headers (WAV, PCM, mp3, Opus, AAC, FLAC; see audio-duration.ts and
// compressed-duration.ts). An answer whose length it cannot read is estimated from the input at
// speech_characters_per_second (the usage record says so). The answer is read whole before it
// is sent: a speech answer is not relayed as it is produced.
import type { MediaConfig } from '../config';
import { badRequest } from '../errors';
import { pcmDurationMs, pcmRateOf, wavDurationMs } from './audio-duration';
import { adtsDurationMs, flacDurationMs, mp3DurationMs, oggOpusDurationMs } from './compressed-duration';
import type { MediaJob } from './handler';
import { jsonObject, requiredString } from './images';
import { readAnswerBytes } from './limits';
import { audioCharge } from './pricing';

/** OpenAI's bound on `input`, in characters. */
const INPUT_CHARACTERS_MAX = 4096;
const FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
type SpeechFormat = (typeof FORMATS)[number];
/** What openedai-speech answers each format with (speech.py), for an upstream that names none. */
const SPEECH_TYPES: Record<SpeechFormat, string> = { mp3: 'audio/mpeg', opus: 'audio/ogg;codec=opus', aac: 'audio/aac', flac: 'audio/x-flac', wav: 'audio/wav', pcm: 'audio/pcm;rate=24000' };

export function speechJob(body: unknown, media: MediaConfig): MediaJob {
  const record = jsonObject(body);
  const model = requiredString(record, 'model', 'you must provide a model parameter');
  const input = requiredString(record, 'input', 'input is required');
  const characters = [...input].length;
  if (characters > INPUT_CHARACTERS_MAX) throw badRequest(`input must be at most ${INPUT_CHARACTERS_MAX} characters`, 'input');
  const format = record.response_format ?? 'mp3';
  if (!(FORMATS as readonly unknown[]).includes(format)) throw badRequest(`response_format must be one of ${FORMATS.join(', ')}`, 'response_format');
  const speed = record.speed ?? 1;
  if (typeof speed !== 'number' || !(speed >= 0.25 && speed <= 4)) throw badRequest('speed must be a number from 0.25 to 4.0', 'speed');
  if (record.stream_format !== undefined && record.stream_format !== 'audio') throw badRequest('only stream_format "audio" is supported', 'stream_format');
  const spokenMs = (charactersPerSecond: number) => (characters * 1000) / (charactersPerSecond * speed);
  return {
    endpoint: 'audio.speech',
    model,
    maxMicros: (flight) => audioCharge(flight.price, spokenMs(media.speechCharactersPerSecondMin), false).costMicros,
    body: { kind: 'json', text: JSON.stringify(record) },
    readAnswer: async (response, flight) => {
      const bytes = await readAnswerBytes(response, flight.upstream ?? 'upstream');
      const contentType = response.headers.get('content-type') ?? SPEECH_TYPES[format as SpeechFormat];
      const measuredMs = measuredDurationMs(format as SpeechFormat, bytes, contentType);
      const charge = audioCharge(flight.price, measuredMs ?? spokenMs(media.speechCharactersPerSecond), measuredMs === null);
      return {
        charge,
        respond: (cost, headers) =>
          new Response(bytes, {
            headers: { ...headers, 'content-type': contentType, 'x-inferport-audio-seconds': charge.audioSeconds!, ...(cost === null ? {} : { 'x-inferport-cost': cost }) },
          }),
      };
    },
  };
}

/** The answer's length as its format's headers say it; null when they do not (then it is estimated). */
function measuredDurationMs(format: SpeechFormat, bytes: Uint8Array, contentType: string): number | null {
  if (format === 'pcm') return pcmDurationMs(bytes.byteLength, pcmRateOf(contentType));
  const read = { wav: wavDurationMs, mp3: mp3DurationMs, opus: oggOpusDurationMs, aac: adtsDurationMs, flac: flacDurationMs }[format];
  return read(bytes);
}
