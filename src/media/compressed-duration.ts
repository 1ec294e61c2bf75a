// Durations of the compressed formats speech servers answer with, read from their frame and
// page headers without decoding: mp3 (Layer III frames), Opus in Ogg (the last page's granule
// position), AAC in ADTS frames, and FLAC (its STREAMINFO, when the encoder could write the
// total: one writing to a pipe cannot). Null when the bytes are not what they should be.

const MP3_BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };
const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** How far past its start (or its ID3 tag) an mp3's first frame is looked for. */
const SYNC_SEARCH_BYTES = 4096;

interface Mp3Frame { bytes: number; samples: number; rate: number; sideInfoBytes: number }

/** One Layer III frame header at `offset`, or null. */
function mp3FrameAt(b: Uint8Array, offset: number): Mp3Frame | null {
  if (offset + 4 > b.length || b[offset] !== 0xff || (b[offset + 1]! & 0xe0) !== 0xe0) return null;
  const version = (b[offset + 1]! >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = (b[offset + 1]! >> 1) & 3; // 1: Layer III
  const bitrateIndex = b[offset + 2]! >> 4;
  const rate = MP3_RATES[version]?.[(b[offset + 2]! >> 2) & 3];
  if (layer !== 1 || rate === undefined || bitrateIndex === 0 || bitrateIndex === 15) return null;
  const v1 = version === 3;
  const bitrate = (v1 ? MP3_BITRATES_V1 : MP3_BITRATES_V2)[bitrateIndex]!;
  const padding = (b[offset + 2]! >> 1) & 1;
  const mono = b[offset + 3]! >> 6 === 3;
  return { bytes: Math.floor(((v1 ? 144_000 : 72_000) * bitrate) / rate) + padding, samples: v1 ? 1152 : 576, rate, sideInfoBytes: v1 ? (mono ? 17 : 32) : mono ? 9 : 17 };
}

export function mp3DurationMs(b: Uint8Array): number | null {
  let offset = 0;
  if (ascii(b, 0, 3) === 'ID3' && b.length >= 10) {
    const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
    offset = 10 + size + (b[5]! & 0x10 ? 10 : 0);
  }
  const start = offset;
  let samples = 0;
  let rate = 0;
  let first = true;
  while (offset < b.length) {
    const frame = mp3FrameAt(b, offset);
    if (frame === null) {
      if (rate !== 0 || offset >= start + SYNC_SEARCH_BYTES) break; // past the last frame (an ID3v1 tag), or no mp3
      offset += 1; // before the first frame: look a little further
      continue;
    }
    // A Xing/Info frame (the encoder's summary) carries no audio.
    const tag = ascii(b, offset + 4 + frame.sideInfoBytes, 4);
    if (!(first && (tag === 'Xing' || tag === 'Info'))) samples += frame.samples;
    first = false;
    rate = frame.rate;
    offset += frame.bytes;
  }
  return rate === 0 ? null : (samples * 1000) / rate;
}

export function oggOpusDurationMs(b: Uint8Array): number | null {
  if (ascii(b, 0, 4) !== 'OggS' || b.length < 28) return null;
  const body = 27 + b[26]!;
  if (ascii(b, body, 8) !== 'OpusHead' || body + 12 > b.length) return null;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const preSkip = view.getUint16(body + 10, true);
  for (let page = b.length - 27; page >= 0; page -= 1) {
    if (b[page] !== 0x4f || ascii(b, page, 4) !== 'OggS') continue;
    const granule = view.getBigInt64(page + 6, true);
    if (granule >= 0n) return Math.max(0, Number(granule) - preSkip) / 48; // Opus counts at 48 kHz
  }
  return null;
}

export function adtsDurationMs(b: Uint8Array): number | null {
  let offset = 0;
  let samples = 0;
  let rate = 0;
  while (offset + 7 <= b.length && b[offset] === 0xff && (b[offset + 1]! & 0xf6) === 0xf0) {
    const frameRate = ADTS_RATES[(b[offset + 2]! >> 2) & 0xf];
    const length = ((b[offset + 3]! & 3) << 11) | (b[offset + 4]! << 3) | (b[offset + 5]! >> 5);
    if (frameRate === undefined || length < 7) break;
    rate = frameRate;
    samples += 1024 * ((b[offset + 6]! & 3) + 1);
    offset += length;
  }
  return rate === 0 ? null : (samples * 1000) / rate;
}

export function flacDurationMs(b: Uint8Array): number | null {
  if (ascii(b, 0, 4) !== 'fLaC' || b.length < 26 || (b[4]! & 0x7f) !== 0) return null;
  const info = 8;
  const rate = (b[info + 10]! << 12) | (b[info + 11]! << 4) | (b[info + 12]! >> 4);
  const total = (b[info + 13]! & 0x0f) * 2 ** 32 + new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(info + 14);
  return rate === 0 || total === 0 ? null : (total * 1000) / rate;
}

function ascii(b: Uint8Array, offset: number, length: number): string {
  if (offset + length > b.length) return '';
  return String.fromCharCode(...b.subarray(offset, offset + length));
}

/**
 * An uploaded file's length, for the formats its first bytes name (WAV aside: audio-duration.ts):
 * Ogg Opus, FLAC, and mp3 starting with an ID3 tag or a frame. Anything else (m4a, webm) is null.
 */
export function uploadDurationMs(b: Uint8Array): number | null {
  const head = ascii(b, 0, 4);
  if (head === 'OggS') return oggOpusDurationMs(b);
  if (head === 'fLaC') return flacDurationMs(b);
  if (head.startsWith('ID3') || mp3FrameAt(b, 0) !== null) return mp3DurationMs(b);
  return null;
}
