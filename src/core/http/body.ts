import { createRequire } from 'node:module';
import type { Middleware } from 'koa';

// Forms and JSON, nothing else, and small: sign-in and profile forms are a few hundred bytes. What
// arrives is untrusted: brackets in form names (`email[$ne]=`) and JSON both produce objects, so
// every field that reaches a query goes through a zod schema first (src/core/http/input.ts).
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const require = createRequire(import.meta.url);

export function parseBodies({ limit = '32kb' } = {}): Middleware {
  // Loaded with the first body: the parser and its dependencies weigh ~2 MB of memory that a
  // process serving only page views never needs.
  const load = (): Middleware => {
    const { bodyParser } = require('@koa/bodyparser') as typeof import('@koa/bodyparser');
    return bodyParser({
      enableTypes: ['json', 'form'],
      parsedMethods: [...WITH_BODY],
      jsonLimit: limit,
      formLimit: limit,
      onError(error, ctx) {
        const status = (error as { status?: number }).status;
        ctx.throw(status === 413 || status === 415 ? status : 400);
      },
    });
  };
  let parse: Middleware | undefined;
  // Page views skip the parser entirely (it is an async middleware: a promise per request).
  return function parseBodies(ctx, next) {
    if (!WITH_BODY.has(ctx.method)) return next();
    parse ??= load();
    return parse(ctx, next);
  };
}
