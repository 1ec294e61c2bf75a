/** A client's x-request-id is echoed and recorded only when it looks like an id, not like input. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
