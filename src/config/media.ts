// The [media] section: how long stored media lives, and the bounds media requests reserve by.
import { integer } from './fields';
import type { MediaConfig, Raw } from './types';
import { ConfigError } from './types';

export const MEDIA_KEYS = ['retention_hours', 'speech_characters_per_second_min', 'speech_characters_per_second', 'audio_bytes_per_second_min'];

export function parseMedia(media: Raw): MediaConfig {
  const parsed: MediaConfig = {
    retentionHours: integer(media.retention_hours, 'media.retention_hours', 24, 1, 24 * 366),
    // 5 characters a second is slower than any voice speaks at speed 1 (English runs near 15).
    speechCharactersPerSecondMin: integer(media.speech_characters_per_second_min, 'media.speech_characters_per_second_min', 5, 1, 1000),
    speechCharactersPerSecond: integer(media.speech_characters_per_second, 'media.speech_characters_per_second', 15, 1, 1000),
    // 750 bytes a second is 6 kbit/s, Opus's lowest speech bitrate: no real upload is denser.
    audioBytesPerSecondMin: integer(media.audio_bytes_per_second_min, 'media.audio_bytes_per_second_min', 750, 1, 10_000_000),
  };
  if (parsed.speechCharactersPerSecond < parsed.speechCharactersPerSecondMin) {
    throw new ConfigError('media.speech_characters_per_second must not be below media.speech_characters_per_second_min (the estimate would exceed the reservation)');
  }
  return parsed;
}
