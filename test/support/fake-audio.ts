// Audio files shaped as the encoders behind speech servers write them (openedai-speech pipes
// piper/xtts through ffmpeg: libmp3lame, libopus in Ogg, aac in ADTS, flac, wav), with silent
// payloads: the frame and page headers are real, which is all a duration reader looks at.

/** MPEG-2 Layer III, 64 kbit/s, 22 050 Hz mono (piper's rate): 576 samples in 208 bytes a frame, after a LAME "Info" frame. */
export const MP3_RATE = 22_050;
export function mp3File(frames: number): Uint8Array {
  const frame = (info: boolean) => {
    const bytes = new Uint8Array(208);
    bytes.set([0xff, 0xf3, 0x80, 0xc0]);
    if (info) bytes.set([...Buffer.from('Info')], 4 + 9); // after MPEG-2 mono's 9 bytes of side information
    return bytes;
  };
  const id3 = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([id3, frame(true), ...Array.from({ length: frames }, () => frame(false))]);
}

/** Opus in Ogg: an OpusHead page (pre-skip 312) and a last page whose granule is 48 kHz samples. */
export const OPUS_PRE_SKIP = 312;
export function oggOpusFile(samplesAt48k: number): Uint8Array {
  const page = (granule: bigint, body: Uint8Array) => {
    const header = Buffer.alloc(28);
    header.write('OggS', 0, 'ascii');
    header.writeBigInt64LE(granule, 6);
    header[26] = 1;
    header[27] = body.byteLength;
    return Buffer.concat([header, body]);
  };
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'ascii');
  head[8] = 1;
  head[9] = 1;
  head.writeUInt16LE(OPUS_PRE_SKIP, 10);
  head.writeUInt32LE(24_000, 12);
  return Buffer.concat([page(0n, head), page(-1n, new Uint8Array(100)), page(BigInt(OPUS_PRE_SKIP + samplesAt48k), new Uint8Array(100))]);
}

/** AAC-LC in ADTS at 24 kHz mono: 1024 samples a frame. */
export const AAC_RATE = 24_000;
export function adtsFile(frames: number): Uint8Array {
  const length = 27;
  const frame = new Uint8Array(length);
  frame.set([0xff, 0xf1, (1 << 6) | (6 << 2), (1 << 6) | ((length >> 11) & 3), (length >> 3) & 0xff, ((length & 7) << 5) | 0x1f, 0xfc]);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

/** FLAC whose STREAMINFO has `totalSamples` at 24 kHz (0: unknown, what ffmpeg writing to a pipe leaves). */
export function flacFile(totalSamples: number): Uint8Array {
  const info = Buffer.alloc(34);
  const rate = 24_000;
  info[10] = (rate >> 12) & 0xff;
  info[11] = (rate >> 4) & 0xff;
  info[12] = ((rate & 0xf) << 4) | (0 << 1) | 0; // mono; bits per sample high bit 0
  info[13] = (15 << 4) | Math.floor(totalSamples / 2 ** 32); // 16 bits per sample, top bits of the total
  info.writeUInt32BE(totalSamples % 2 ** 32, 14);
  return Buffer.concat([Buffer.from('fLaC'), Buffer.from([0x80, 0, 0, 34]), info, new Uint8Array(64)]);
}
