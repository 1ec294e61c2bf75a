// The pure measures media billing rests on: WAV and PCM durations, cue ends, and the price of
// images and milliseconds (rounded up once).
import { describe, expect, test } from 'bun:test';
import { DEFAULT_PRICE } from '../../src/config/sections';
import { lastCueEndMs, pcmDurationMs, pcmRateOf, wavDurationMs } from '../../src/media/audio-duration';
import { audioCharge, imagesCharge } from '../../src/media/pricing';
import { adtsDurationMs, flacDurationMs, mp3DurationMs, oggOpusDurationMs, uploadDurationMs } from '../../src/media/compressed-duration';
import { adtsFile, flacFile, mp3File, oggOpusFile } from '../support/fake-audio';
import { wavFile } from '../support/fake-media-upstream';

describe('audio durations', () => {
  test('a canonical WAV: data bytes ÷ byte rate', () => {
    expect(wavDurationMs(wavFile(new Uint8Array(2.5 * 16_000 * 2), 16_000))).toBe(2500);
  });

  test('a WAV with a LIST chunk (odd-sized, padded) before its data', () => {
    const plain = Buffer.from(wavFile(new Uint8Array(48_000), 24_000));
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx'), Buffer.from([0])]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    expect(wavDurationMs(withList)).toBe(1000);
  });

  test('a WAV written to a pipe (ffmpeg behind openedai-speech): size 0xFFFFFFFF or 0, the audio is what follows', () => {
    for (const size of [0xffffffff, 0]) {
      const bytes = Buffer.from(wavFile(new Uint8Array(24_000), 24_000));
      bytes.writeUInt32LE(size, 40);
      expect(wavDurationMs(bytes)).toBe(500);
    }
  });

  test('a WAV cut short counts the bytes that are there; not a WAV is null', () => {
    const bytes = wavFile(new Uint8Array(32_000), 16_000);
    expect(wavDurationMs(bytes.subarray(0, 44 + 16_000))).toBe(500);
    expect(wavDurationMs(new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull();
    expect(wavDurationMs(new Uint8Array(4))).toBeNull();
  });

  test('PCM: 16-bit mono at the rate the content type names, 24 kHz otherwise', () => {
    expect(pcmRateOf('audio/pcm;rate=22050')).toBe(22_050);
    expect(pcmRateOf('audio/pcm')).toBe(24_000);
    expect(pcmRateOf(null)).toBe(24_000);
    expect(pcmRateOf('audio/pcm;rate=1')).toBe(24_000);
    expect(pcmDurationMs(44_100, 22_050)).toBe(1000);
  });

  test('the end of the last cue of SRT and VTT', () => {
    expect(lastCueEndMs('1\n00:00:00,000 --> 00:00:02,500\nhello\n\n2\n00:00:02,500 --> 00:01:04,250\nthere\n')).toBe(64_250);
    expect(lastCueEndMs('WEBVTT\n\n00:01.000 --> 00:03.5\nhi\n')).toBe(3500);
    expect(lastCueEndMs('no cues')).toBeNull();
  });
});

describe('compressed audio durations', () => {
  test('mp3: Layer III frames counted after the ID3 tag, the encoder\'s Info frame not among them', () => {
    expect(mp3DurationMs(mp3File(100))).toBeCloseTo((100 * 576 * 1000) / 22_050, 6);
    // An ID3v1 tag (or any garbage) after the last frame ends the count.
    expect(mp3DurationMs(Buffer.concat([mp3File(10), Buffer.from('TAG'), new Uint8Array(125)]))).toBeCloseTo((10 * 576 * 1000) / 22_050, 6);
    // MPEG-1 at 44.1 kHz, 128 kbit/s stereo: 417-byte frames (no padding) of 1152 samples.
    const frame = new Uint8Array(417);
    frame.set([0xff, 0xfb, 0x90, 0x00]);
    expect(mp3DurationMs(Buffer.concat([frame, frame, frame]))).toBeCloseTo((3 * 1152 * 1000) / 44_100, 6);
    expect(mp3DurationMs(new Uint8Array(500))).toBeNull();
  });

  test('Opus in Ogg: the last page with a granule, less the pre-skip, at 48 kHz', () => {
    expect(oggOpusDurationMs(oggOpusFile(96_000))).toBe(2000);
    expect(oggOpusDurationMs(Buffer.from('OggS but not Opus at all, nothing here'))).toBeNull();
  });

  test('AAC in ADTS: 1024 samples a frame', () => {
    expect(adtsDurationMs(adtsFile(30))).toBe(1280);
    expect(adtsDurationMs(new Uint8Array(40))).toBeNull();
  });

  test('an upload\'s length only for the formats its first bytes name', () => {
    expect(uploadDurationMs(mp3File(10))).toBeCloseTo((10 * 576 * 1000) / 22_050, 6);
    expect(uploadDurationMs(mp3File(10).subarray(10))).toBeCloseTo((10 * 576 * 1000) / 22_050, 6); // no ID3 tag: a frame first
    expect(uploadDurationMs(oggOpusFile(48_000))).toBe(1000);
    expect(uploadDurationMs(flacFile(24_000))).toBe(1000);
    // An m4a (ISO base media: "ftyp") or noise: unknown, even if a frame sync hides inside.
    expect(uploadDurationMs(Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypM4A '), mp3File(3)]))).toBeNull();
    expect(uploadDurationMs(new Uint8Array(1000).fill(0x55))).toBeNull();
  });

  test('FLAC: its STREAMINFO total, when the encoder wrote one', () => {
    expect(flacDurationMs(flacFile(36_000))).toBe(1500);
    expect(flacDurationMs(flacFile(0))).toBeNull();
  });
});

describe('media prices', () => {
  test('images at 0.02, seconds at 0.01, rounded up once to a micro-credit', () => {
    expect(imagesCharge(DEFAULT_PRICE, 3).costMicros).toBe(60_000n);
    expect(audioCharge(DEFAULT_PRICE, 2500, false)).toMatchObject({ costMicros: 25_000n, audioSeconds: '2.500', estimated: false });
    // 0.4 ms is charged as 1 ms, which costs 10 micro-credits.
    expect(audioCharge(DEFAULT_PRICE, 0.4, true)).toMatchObject({ costMicros: 10n, audioSeconds: '0.001', estimated: true });
    expect(audioCharge({ ...DEFAULT_PRICE, audioSecondMicros: 1n }, 1, false).costMicros).toBe(1n);
  });
});
