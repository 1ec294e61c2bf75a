// Generated media kept for clients that asked for a URL: files in <data_dir>/media (0700, each
// file 0600), served by links signed with a secret kept beside them (<data_dir>/media-secret,
// 0600, made on first use). A link names its file and its expiry; the expiry is signed, so it
// cannot be extended, and the scheduler deletes files once their retention is over.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config';
import { randomToken } from '../shared/ids';

/** A stored file's name: 24 random characters and its kind's extension. */
export const MEDIA_NAME = /^[0-9a-z]{24}\.(?:png|jpeg|webp|gif|bin)$/;
/** Files looked at per cleanup pass: the bound on one pass's work. */
const CLEANUP_BATCH_MAX = 5000;

export interface SignedLink {
  name: string;
  expiresAtSeconds: number;
  signature: string;
}

/** The store of a configuration's data directory (each holder reads the one secret file). */
export function mediaStoreOf(context: { config: Pick<Config, 'server' | 'media'> }): MediaStore {
  return new MediaStore(context.config.server.dataDir, context.config.media.retentionHours * 3600 * 1000);
}

export class MediaStore {
  private secret: Promise<Buffer> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly retentionMs: number,
  ) {}

  get directory(): string {
    return join(this.dataDir, 'media');
  }

  /** Writes one file (0600) and returns its signed link, valid for the retention from `nowMs`. */
  async save(bytes: Uint8Array, extension: string, nowMs: number): Promise<SignedLink> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const name = `${randomToken(24)}.${extension}`;
    // 'wx': a new file only, created with its mode (no moment where it is readable by others).
    const file = await open(join(this.directory, name), 'wx', 0o600);
    try {
      await file.writeFile(bytes);
    } finally {
      await file.close();
    }
    const expiresAtSeconds = Math.floor((nowMs + this.retentionMs) / 1000);
    return { name, expiresAtSeconds, signature: await this.sign(name, expiresAtSeconds) };
  }

  /** True when `signature` is the one this store gives `name` and `expiresAtSeconds`. */
  async verify(name: string, expiresAtSeconds: number, signature: string): Promise<boolean> {
    const expected = Buffer.from(await this.sign(name, expiresAtSeconds));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** A stored file's bytes, or null when it is gone (deleted after its retention). */
  async read(name: string): Promise<Uint8Array | null> {
    if (!MEDIA_NAME.test(name)) return null;
    try {
      return await readFile(join(this.directory, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Deletes files written more than the retention ago; returns how many. */
  async deleteExpired(nowMs: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let deleted = 0;
    for (const name of names.slice(0, CLEANUP_BATCH_MAX)) {
      if (!MEDIA_NAME.test(name)) continue;
      const path = join(this.directory, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs + this.retentionMs <= nowMs) {
        await rm(path, { force: true });
        deleted += 1;
      }
    }
    return deleted;
  }

  private sign(name: string, expiresAtSeconds: number): Promise<string> {
    return this.secretKey().then((key) => createHmac('sha256', key).update(`${name}\n${expiresAtSeconds}`).digest('base64url'));
  }

  private secretKey(): Promise<Buffer> {
    this.secret ??= loadOrCreateSecret(join(this.dataDir, 'media-secret'));
    return this.secret;
  }
}

/** The secret file's 32 bytes (hex), written once; a second process that loses the race reads the winner's. */
async function loadOrCreateSecret(path: string): Promise<Buffer> {
  try {
    const file = await open(path, 'wx', 0o600);
    try {
      await file.writeFile(randomBytes(32).toString('hex'));
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(path, 0o600);
  let text = (await readFile(path, 'utf8')).trim();
  // The winner of the race may not have written it yet: wait for it, briefly (a bound, not a guess).
  for (let attempt = 0; text === '' && attempt < 50; attempt += 1) {
    await Bun.sleep(10);
    text = (await readFile(path, 'utf8')).trim();
  }
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${path} is not a media secret (64 hex characters); delete it to make a new one`);
  return Buffer.from(text, 'hex');
}
