import type { Middleware } from 'koa';

// STUB until roles land with the auth feature: the signed-in user is expected at ctx.state.user
// (set by the auth feature's middleware) with a `role`. Until then nobody has one, so whatever
// this guards is forbidden to everyone (which is the point in production). Pages call this, never
// test roles themselves, so the real check replaces this one function.
export function requireRole(role: string): Middleware {
  return async function requireRole(ctx, next) {
    const user = (ctx.state as { user?: { role?: unknown } }).user;
    if (user?.role !== role) ctx.throw(403);
    await next();
  };
}
