// The cap check itself, pure: does a request that may cost `amountMicros` fit under every cap of
// its subjects, given what each already spent in the window and what its requests in flight hold?
// A refusal is 429 spend_cap_reached (type insufficient_quota, as OpenAI answers a spent quota),
// with Retry-After when settled spend alone leaves no room, so waiting for requests in flight
// cannot help and only the window's reset can.
import { ApiError } from '../errors';
import { formatMicros } from '../shared/money';
import type { CapWindows } from './windows';

export interface SubjectSpend {
  kind: 'key' | 'member';
  subjectId: string;
  dailyCapMicros: bigint | null;
  monthlyCapMicros: bigint | null;
  daySpentMicros: bigint;
  monthSpentMicros: bigint;
  heldMicros: bigint;
}

export function assertWithinCaps(subjects: SubjectSpend[], amountMicros: bigint, windows: CapWindows, nowMs: number): void {
  for (const subject of subjects) {
    assertWithinCap(subject, 'daily', subject.dailyCapMicros, subject.daySpentMicros, amountMicros, windows.dayEndMs, nowMs);
    assertWithinCap(subject, 'monthly', subject.monthlyCapMicros, subject.monthSpentMicros, amountMicros, windows.monthEndMs, nowMs);
  }
}

function assertWithinCap(subject: SubjectSpend, window: 'daily' | 'monthly', capMicros: bigint | null, spentMicros: bigint, amountMicros: bigint, resetAtMs: number, nowMs: number): void {
  if (capMicros === null || spentMicros + subject.heldMicros + amountMicros <= capMicros) return;
  const whose = subject.kind === 'key' ? 'This key' : `Team member ${subject.subjectId}`;
  const error = new ApiError(
    429,
    'spend_cap_reached',
    `${whose} has a ${window} spend cap of ${formatMicros(capMicros)} credits: ${formatMicros(spentMicros)} spent in this UTC ${window === 'daily' ? 'day' : 'month'} ` +
      `and ${formatMicros(subject.heldMicros)} reserved by requests in flight, and this request may cost up to ${formatMicros(amountMicros)}. ` +
      `The cap resets at ${new Date(resetAtMs).toISOString()}.`,
    null,
    'insufficient_quota',
  );
  if (spentMicros + amountMicros > capMicros) error.headers['retry-after'] = String(Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000)));
  throw error;
}
