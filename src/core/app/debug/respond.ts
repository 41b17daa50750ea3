import type { Context } from 'koa';
import type { ViewLocals } from '../../views/views.ts';

/** True when the client asked for JSON (`Accept: application/json`) rather than a page. */
export const wantsJson = (ctx: Context) => ctx.accepts('html', 'json') === 'json';

// Every development page is also JSON for scripts and agents: the same data, without the page.
export function respond(ctx: Context, view: string, data: ViewLocals) {
  ctx.set('Cache-Control', 'no-store');
  if (wantsJson(ctx)) ctx.body = data;
  else ctx.render(view, data);
}
