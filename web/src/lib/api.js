// The HTTP API as the pages call it: same origin as the page (config.api is "" locally; a CDN
// fronts the API and the files in AWS), JSON in and out, problem JSON turned into ApiError.

let configPromise;

// config reads config.json beside the page: {api, websocket}.
export function config() {
  configPromise ??= fetch('config.json', { cache: 'no-store' })
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}))
    .then((c) => ({ api: c.api || '', websocket: c.websocket || '' }));
  return configPromise;
}

// ApiError is a refused request: status, the problem's type and its detail.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.type = problem?.type || '';
    this.title = problem?.title || '';
    this.errors = problem?.errors || [];
  }
  // is reports whether the problem's type ends with name (urn:lingxi:problem:<name>).
  is(name) {
    return this.type.endsWith(':' + name) || this.type.endsWith('/' + name);
  }
}

// call sends one request with the bearer token and returns the parsed JSON (null for no body).
export async function call(token, method, path, body) {
  const { api } = await config();
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(api + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// items reads a list answer ({items, next_cursor}) or a bare array.
export function items(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data) return [];
  for (const k of ['items', ...keys]) {
    if (Array.isArray(data[k])) return data[k];
  }
  return [];
}
