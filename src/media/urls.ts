// The links of stored media, and the kind of an image from its first bytes.
import type { SignedLink } from './store';

/** `origin` is the one the client reached inferport by, so the link works from where it stands. */
export function mediaUrl(origin: string, link: SignedLink): string {
  return `${origin}/media/${link.name}?expires=${link.expiresAtSeconds}&signature=${link.signature}`;
}

export function imageExtensionOf(bytes: Uint8Array): string {
  const starts = (...prefix: number[]) => prefix.every((byte, index) => bytes[index] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'webp';
  return 'bin';
}

export const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bin: 'application/octet-stream',
};
