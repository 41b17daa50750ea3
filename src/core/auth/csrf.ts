import type { Context, Middleware } from 'koa';
import { visitorPart } from '../http/compress.ts';
import { browserId as cookieBrowserId, existingBrowserId } from './browser-id.ts';
import { constantTimeEqual, type SigningKey } from './signing-key.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BROWSER_COOKIE = 'csrf';
const CSRF_FIELD = '_csrf';
const CSRF_HEADER = 'X-CSRF-Token';

export type CsrfOptions = {
  key: SigningKey;
  production: boolean;
  publicOrigin?: string;
  /** Path prefixes whose PUT, PATCH and DELETE requests need no token (see tokenless()). */
  tokenlessPrefixes?: string[];
};

const PREFLIGHTED_METHODS = new Set(['PUT', 'PATCH', 'DELETE']);

// A page we do not render (a third-party dashboard's script) cannot send our token. For its PUT,
// PATCH and DELETE requests a browser must ask another site's permission first (a CORS preflight,
// which this app never grants), so such a request that says it comes from this site can only come
// from this site: the same-site check alone decides, and it must have something to check.
function tokenless(ctx: Context, options: CsrfOptions) {
  return (
    PREFLIGHTED_METHODS.has(ctx.method) &&
    (options.tokenlessPrefixes ?? []).some((prefix) => ctx.path.startsWith(prefix)) &&
    Boolean(ctx.get('Origin') || ctx.get('Sec-Fetch-Site'))
  );
}

// The random id of this browser in a `__Host-` cookie, for visitors without a session. Made on
// first use only, so pages without forms set no cookie and stay the same for every visitor.
function browserId(ctx: Context, production: boolean, create: boolean) {
  if (ctx.state.csrfBrowserId) return ctx.state.csrfBrowserId;
  const id = create
    ? cookieBrowserId(ctx, production, BROWSER_COOKIE)
    : existingBrowserId(ctx, production, BROWSER_COOKIE);
  if (id) ctx.state.csrfBrowserId = id;
  return id;
}

// A token is the HMAC, under the app's signing key, of what it is bound to: the session when
// signed in, else the browser id. Nothing is stored, and a token is useless in another browser or
// once sign-in has replaced the session.
function expectedToken(ctx: Context, { key, production }: CsrfOptions, create: boolean) {
  const session = ctx.state.session;
  if (session) return tokenFor(key, `session:${session.id}`);
  const id = browserId(ctx, production, create);
  return id ? tokenFor(key, `browser:${id}`) : undefined;
}

// A browser asks for the same token on every page it loads, and an HMAC was a tenth of the
// sign-in page's own work: recent tokens are kept, per key, in a bounded map.
const TOKEN_CACHE_ENTRIES = 4096;
const tokenCaches = new WeakMap<SigningKey, Map<string, string>>();

function tokenFor(key: SigningKey, boundTo: string) {
  let cache = tokenCaches.get(key);
  if (!cache) {
    cache = new Map();
    tokenCaches.set(key, cache);
  }
  let token = cache.get(boundTo);
  if (!token) {
    token = key.hmac('csrf', boundTo);
    if (cache.size >= TOKEN_CACHE_ENTRIES) cache.clear();
    cache.set(boundTo, token);
  }
  return token;
}

/** The token for forms (field `_csrf`) and HTMX (header `X-CSRF-Token`) on this page. */
export function csrfToken(ctx: Context, options: CsrfOptions): string {
  const token = expectedToken(ctx, options, true) as string;
  // Without a session the token is all that differs between visitors' copies of a page, so
  // the rest of it can be compressed once for all of them.
  if (!ctx.state.session) visitorPart(ctx, token);
  return token;
}

// Browsers send Origin on every unsafe request (older ones at least Sec-Fetch-Site or Referer): a
// request from another site is refused whatever token it carries. Without any of them (curl, a
// server), the token alone decides.
function fromThisSite(ctx: Context, { production, publicOrigin }: CsrfOptions) {
  // Not ctx.origin: since Koa 3 that is the request's own Origin header.
  const allowed = [publicOrigin ?? `${ctx.protocol}://${ctx.host}`];
  // Behind a TLS proxy without TRUST_PROXY Koa sees http; the browser's origin is https.
  if (!publicOrigin && production) allowed.push(`https://${ctx.host}`);
  const origin = ctx.get('Origin');
  if (origin) return allowed.includes(origin);
  const site = ctx.get('Sec-Fetch-Site');
  if (site) return site === 'same-origin' || site === 'none';
  const referer = ctx.get('Referer');
  if (referer) return URL.canParse(referer) && allowed.includes(new URL(referer).origin);
  return true;
}

// Every unsafe request (POST, PUT, PATCH, DELETE) must come from this site and carry the token.
// Runs after the session is loaded and the body parsed; a failure is a 403 page saying what to do.
export function csrfProtection(options: CsrfOptions): Middleware {
  const check: Middleware = async (ctx, next) => {
    if (!options.key.loaded) await options.key.ready();
    if (SAFE_METHODS.has(ctx.method)) return next();
    if (tokenless(ctx, options)) {
      if (!fromThisSite(ctx, options)) ctx.throw(403, { reason: 'csrf' });
      return next();
    }
    const body = ctx.request.body as Record<string, unknown> | undefined;
    const sent = ctx.get(CSRF_HEADER) || body?.[CSRF_FIELD];
    const expected = expectedToken(ctx, options, false);
    const valid =
      typeof sent === 'string' && expected !== undefined && constantTimeEqual(sent, expected);
    if (!fromThisSite(ctx, options) || !valid) ctx.throw(403, { reason: 'csrf' });
    await next();
  };
  // Page views, once the key is loaded, pass without a promise of their own.
  return function csrfProtection(ctx, next) {
    if (options.key.loaded && SAFE_METHODS.has(ctx.method)) return next();
    return check(ctx, next);
  };
}
