// Reading Stripe objects out of events: a field that holds another object holds its id, or the
// object itself when it was expanded.
export function idOf(value: string | { id: string } | null | undefined): string | null {
  return typeof value === 'string' ? value : (value?.id ?? null);
}
