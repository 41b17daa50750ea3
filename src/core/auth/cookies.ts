import type { Context } from 'koa';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export type CookiePolicy = { name(base: string): string; secure: boolean };

// Security cookies are `__Host-` cookies: Secure, no Domain, Path=/, so no subdomain and no plain
// http page can set or read them. Browsers refuse Secure cookies over plain http on some hosts, so
// the one exception is development on plain-http localhost, where the prefix and Secure are dropped.
// In production they are always Secure, even when Koa cannot tell the request came over https
// (TLS ended at a proxy without TRUST_PROXY): the browser saw https, and that is what counts.
export function cookiePolicy(ctx: Context, production: boolean): CookiePolicy {
  const secure = production || ctx.secure || !LOOPBACK.has(ctx.hostname);
  if (secure && !ctx.secure) ctx.cookies.secure = true;
  return { secure, name: (base) => (secure ? `__Host-${base}` : base) };
}

export type SecurityCookieOptions = { maxAge?: number; sameSite?: 'lax' | 'strict' };

export function setSecurityCookie(
  ctx: Context,
  production: boolean,
  base: string,
  value: string | null,
  { maxAge, sameSite = 'lax' }: SecurityCookieOptions = {},
) {
  const policy = cookiePolicy(ctx, production);
  ctx.cookies.set(policy.name(base), value, {
    httpOnly: true,
    secure: policy.secure,
    sameSite,
    path: '/',
    overwrite: true,
    ...(maxAge === undefined ? {} : { maxAge }),
  });
}

export function getSecurityCookie(ctx: Context, production: boolean, base: string) {
  return ctx.cookies.get(cookiePolicy(ctx, production).name(base));
}
