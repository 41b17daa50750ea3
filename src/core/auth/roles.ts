import type { Middleware } from 'koa';
import type { Role } from './users.ts';

// Route guards, checked on the server for every request they protect. Without a session a page
// request goes to /login and comes back after; a signed-in user without the role gets a 403 page.
export function requireUser(): Middleware {
  return async function requireUser(ctx, next) {
    if (!ctx.state.user) {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') {
        ctx.redirect(`/login?next=${encodeURIComponent(ctx.originalUrl)}`);
        return;
      }
      ctx.throw(401);
    }
    await next();
  };
}

export function requireRole(role: Role): Middleware {
  const signedIn = requireUser();
  return async function requireRole(ctx, next) {
    await signedIn(ctx, async () => {
      if (ctx.state.user?.role !== role) ctx.throw(403, { reason: 'role' });
      await next();
    });
  };
}
