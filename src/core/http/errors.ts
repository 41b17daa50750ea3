import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';

type HttpError = Error & {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  headers?: Record<string, string>;
  /** Why a 403 was refused: 'csrf' (a form from elsewhere, or expired) or 'role'. */
  reason?: string;
};

// Statuses people meet in normal use get their own localized title and advice (common:errors.<kind>).
const KINDS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  413: 'tooLarge',
  429: 'tooMany',
};

// Turns every error, and every unmatched route, into a localized HTML page or a JSON body,
// depending on what the client accepts. 5xx details stay in the log, never in the response.
export function errorPages(): Middleware {
  return async function errorPages(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) ctx.throw(404);
    } catch (caught) {
      const error = (caught instanceof Error ? caught : new Error(String(caught))) as HttpError;
      const status = error.status ?? error.statusCode ?? 500;
      const valid = Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
      if (valid >= 500) ctx.state.log?.error({ err: error }, 'request failed');
      const message = error.expose ? error.message : (STATUS_CODES[valid] ?? 'Error');
      ctx.status = valid;
      ctx.remove('Content-Encoding');
      for (const [name, value] of Object.entries(error.headers ?? {})) ctx.set(name, value);
      // An HTMX request shows the error page in place of the page, not inside a fragment.
      if (ctx.get('HX-Request')) {
        ctx.set('HX-Retarget', 'body');
        ctx.set('HX-Reswap', 'innerHTML');
      }
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.body = { error: { status: valid, message, requestId: ctx.state.requestId } };
        return;
      }
      try {
        ctx.render(valid === 404 ? 'errors/404' : valid >= 500 ? 'errors/500' : 'errors/error', {
          status: valid,
          message,
          kind: valid === 403 && error.reason === 'csrf' ? 'csrf' : KINDS[valid],
          retryAfter: error.headers?.['Retry-After'],
        });
        ctx.status = valid;
      } catch (renderError) {
        ctx.state.log?.error({ err: renderError }, 'error page failed to render');
        ctx.type = 'text/plain';
        ctx.body = `${valid} ${message}`;
      }
    }
  };
}
