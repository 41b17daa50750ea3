import type { Client } from './client.ts';
import { request } from './http.ts';

// Follows an OAuth sign-in the way a browser would: from the app's start URL through the
// provider's redirects and its login form, back to the app's callback. `appOrigin` is the app's
// PUBLIC_URL, mapped back to the test app's real address. With `form` the start is a POST of it
// (linking from the profile: the form carries the CSRF token).
export async function followSignIn(
  app: Client,
  startPath: string,
  {
    appOrigin,
    login,
    form,
  }: { appOrigin: string; login: Record<string, string>; form?: Record<string, string> },
) {
  const start = form ? await app.post(startPath, { form }) : await app.get(startPath);
  if (start.status !== 302 && start.status !== 303)
    throw new Error(`start answered ${start.status}: ${start.text}`);
  let url = String(start.headers.location);
  const providerCookies = new Map<string, string>();
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(appOrigin)) return app.get(url.slice(appOrigin.length));
    const cookie = [...providerCookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let res = await request(url, { headers: cookie ? { Cookie: cookie } : {} });
    remember(providerCookies, res.headers['set-cookie']);
    if (res.status === 200 && /<form method="post"/.test(res.text)) {
      const action = res.text.match(/<form method="post" action="([^"]+)"/)?.[1] ?? '';
      res = await request(new URL(action, url).href, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Cookie: [...providerCookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
        body: new URLSearchParams(login).toString(),
      });
      remember(providerCookies, res.headers['set-cookie']);
    }
    if (res.status < 300 || res.status >= 400) {
      throw new Error(`provider answered ${res.status} at ${url}: ${res.text.slice(0, 500)}`);
    }
    url = new URL(String(res.headers.location), url).href;
  }
  throw new Error('too many redirects');
}

function remember(jar: Map<string, string>, lines: string[] | undefined) {
  for (const line of lines ?? []) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
}
