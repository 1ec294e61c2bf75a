// The page's one way to the server: the API key kept for this tab (sessionStorage, gone when
// the tab closes) and JSON requests to this page's own origin that carry it as a bearer token.
const KEY_STORAGE = 'inferport.console.key';

export const storedKey = () => sessionStorage.getItem(KEY_STORAGE);
export const storeKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetKey = () => sessionStorage.removeItem(KEY_STORAGE);

/** A refused request, with the message of the server's error body when it sent one. */
export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** This server has no such route (an older version, or a part not built yet). */
  get routeMissing() {
    return this.status === 404 && this.code === 'not_found';
  }
}

export async function callConsole(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json', authorization: `Bearer ${storedKey() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/console${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiFailure(0, null, 'The server could not be reached.');
  }
  const json = parseJson(await response.text());
  if (!response.ok) {
    const error = json?.error;
    const message = typeof error?.message === 'string' ? error.message : `The server answered ${response.status}.`;
    throw new ApiFailure(response.status, typeof error?.code === 'string' ? error.code : null, message);
  }
  return json;
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
