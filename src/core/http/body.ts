import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';

// Forms and JSON, nothing else, and small: sign-in and profile forms are a few hundred bytes. What
// arrives is untrusted: brackets in form names (`email[$ne]=`) and JSON both produce objects, so
// every field that reaches a query goes through a zod schema first (src/core/http/input.ts).
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function parseBodies({ limit = '32kb' } = {}): Middleware {
  const parse = bodyParser({
    enableTypes: ['json', 'form'],
    parsedMethods: [...WITH_BODY],
    jsonLimit: limit,
    formLimit: limit,
    onError(error, ctx) {
      const status = (error as { status?: number }).status;
      ctx.throw(status === 413 || status === 415 ? status : 400);
    },
  });
  // Page views skip the parser entirely (it is an async middleware: a promise per request).
  return function parseBodies(ctx, next) {
    return WITH_BODY.has(ctx.method) ? parse(ctx, next) : next();
  };
}
