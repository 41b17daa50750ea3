import { type RawResponse, request } from './http.ts';

export type SendOptions = {
  headers?: Record<string, string>;
  /** A form body; pairs allow repeated or bracketed names (`email[$ne]`). */
  form?: Record<string, string> | Array<[string, string]>;
  json?: unknown;
};

// A browser-like HTTP client for integration tests: it keeps cookies, sends the site's Origin on
// unsafe requests like a browser does, and reads CSRF tokens from the pages it gets.
// `ip` is sent as X-Forwarded-For (for apps with TRUST_PROXY=true), so that tests of per-IP limits
// do not share one counter.
export function createClient(baseUrl: string, { origin = baseUrl, ip = '' } = {}) {
  const jar = new Map<string, string>();

  async function send(method: string, path: string, options: SendOptions = {}) {
    const headers: Record<string, string> = {
      ...(ip ? { 'X-Forwarded-For': ip } : {}),
      ...options.headers,
    };
    if (jar.size > 0 && !('Cookie' in headers))
      headers.Cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['Content-Type'] ??= 'application/json';
    }
    if (method !== 'GET' && method !== 'HEAD' && !('Origin' in headers)) headers.Origin = origin;
    const res = await request(`${baseUrl}${path}`, { method, headers, body });
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  return {
    jar,
    get: (path: string, options?: SendOptions) => send('GET', path, options),
    post: (path: string, options?: SendOptions) => send('POST', path, options),
    send,
    /** Loads `path` and returns the CSRF token of its first form. */
    async csrf(path = '/login') {
      const page = await send('GET', path);
      return csrfTokenOf(page);
    },
  };
}

export type Client = ReturnType<typeof createClient>;

export function csrfTokenOf(page: RawResponse) {
  const token = page.text.match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!token) throw new Error(`no CSRF token on the page (status ${page.status}):\n${page.text}`);
  return token;
}

export function cookieLine(res: RawResponse, name: string) {
  return res.headers['set-cookie']?.find((line) => line.startsWith(`${name}=`));
}
