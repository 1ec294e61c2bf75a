// What a JSON transcription answer is charged: the seconds the upstream reported, or failing
// that what inferport can measure or estimate (the order is in transcription.ts's header).
import type { PriceConfig } from '../config';
import type { MediaCharge } from './flight';
import { audioCharge } from './pricing';

export function chargeOfJson(price: PriceConfig, json: Record<string, unknown>, fileMs: number | null, boundMs: number): MediaCharge {
  const usage = json.usage as { type?: unknown; seconds?: unknown } | undefined;
  const reported = usage?.type === 'duration' ? seconds(usage.seconds) : null;
  const duration = reported ?? seconds(json.duration);
  if (duration !== null) return audioCharge(price, duration * 1000, false);
  if (fileMs !== null) return audioCharge(price, fileMs, false);
  const segments = Array.isArray(json.segments) ? (json.segments as { end?: unknown }[]) : [];
  const segmentEnd = Math.max(0, ...segments.map((segment) => seconds(segment.end) ?? 0));
  return audioCharge(price, segmentEnd > 0 ? segmentEnd * 1000 : boundMs, true);
}

/** A non-negative number of seconds, as a number or a numeric string (vLLM's verbose duration). */
function seconds(value: unknown): number | null {
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof parsed === 'number' && Number.isFinite(parsed) && parsed >= 0 ? parsed : null;
}
