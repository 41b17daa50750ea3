import type Router from '@koa/router';
import type { AppServices } from '../../core/app/feature.ts';
import { safeRedirectPath } from '../../core/http/input.ts';
import { seeOther } from './see-other.ts';

// /login shows a panel per way to sign in; /logout asks, then signs out.
export function signInRoutes(router: Router, { sessions, signInMethods }: AppServices) {
  router.get('accounts.login', '/login', (ctx) => {
    const next = safeRedirectPath(ctx.query.next);
    if (ctx.state.user) return ctx.redirect(next);
    ctx.set('Cache-Control', 'no-store');
    ctx.render('accounts/login', {
      next,
      panels: signInMethods.map((method) => method.panel(ctx, next)),
    });
  });

  router.get('accounts.logout', '/logout', (ctx) => {
    if (!ctx.state.user) return ctx.redirect('/');
    ctx.set('Cache-Control', 'no-store');
    ctx.render('accounts/logout');
  });
  router.post('/logout', async (ctx) => {
    await sessions.signOut(ctx);
    seeOther(ctx, '/');
  });
}
