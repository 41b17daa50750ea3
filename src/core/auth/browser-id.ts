import type { Context } from 'koa';
import { ID_FORMAT, randomId } from '../data/ids.ts';
import { getSecurityCookie, setSecurityCookie } from './cookies.ts';

// A random id for this browser in a `__Host-` cookie named `cookie`: it binds something to the
// browser that asked for it (a CSRF token, a sign-in link) without a session. Made on first use.
export function browserId(ctx: Context, production: boolean, cookie: string, maxAge?: number) {
  const existing = existingBrowserId(ctx, production, cookie);
  if (existing) return existing;
  const id = randomId();
  setSecurityCookie(ctx, production, cookie, id, maxAge === undefined ? {} : { maxAge });
  return id;
}

/** The browser's id in `cookie` when it has a well-formed one; never sets a cookie. */
export function existingBrowserId(ctx: Context, production: boolean, cookie: string) {
  const id = getSecurityCookie(ctx, production, cookie);
  return id && ID_FORMAT.test(id) ? id : undefined;
}
