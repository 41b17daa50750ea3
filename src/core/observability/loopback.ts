import type { Middleware } from 'koa';

// The address the connection comes from, never X-Forwarded-For: a client can write that header,
// and a proxy in front would make every request look local anyway.
export function fromLoopback(remoteAddress: string | undefined): boolean {
  const address = remoteAddress?.replace(/^::ffff:/i, '') ?? '';
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * Development's open pages (debug routes, the job dashboard) answer only on this machine: with
 * HOST=0.0.0.0 anyone on the network could otherwise read every sign-in link in the outbox.
 */
export function loopbackOnly(): Middleware {
  return async function loopbackOnly(ctx, next) {
    if (!fromLoopback(ctx.req.socket.remoteAddress)) ctx.throw(403, { reason: 'loopback' });
    await next();
  };
}

// Paths compared the way the router matches them (case-insensitive), so /DEBUG is /debug.
export function loopbackOnlyUnder(prefixes: string[]): Middleware {
  const guard = loopbackOnly();
  const lower = prefixes.map((prefix) => prefix.toLowerCase());
  return function loopbackOnlyUnder(ctx, next) {
    const path = ctx.path.toLowerCase();
    const guarded = lower.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
    return guarded ? guard(ctx, next) : next();
  };
}
