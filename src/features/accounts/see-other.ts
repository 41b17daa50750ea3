import type { Context } from 'koa';

// After a form post, the browser loads the result with GET (reloading it does not post again).
export function seeOther(ctx: Context, path: string) {
  ctx.status = 303;
  ctx.redirect(path);
}
