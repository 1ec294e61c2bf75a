/** A client's x-request-id is echoed and recorded only when it looks like an id, not like input. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request's id: the client's x-request-id when it is sane, else `id` (ours). */
export function requestIdOf(clientRequestId: string | null, id: string): string {
  return clientRequestId && SANE_REQUEST_ID.test(clientRequestId) ? clientRequestId : id;
}
