import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../observability/logger.ts';

// Accepts an upstream X-Request-Id (from a proxy or another service) when it looks like an id, so
// one id follows a request across services; otherwise makes one. The id is echoed in the response.
const ACCEPTED_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = /^\/(health|metrics|static\/)/;

export function requestLog(logger: Logger): Middleware {
  return async function requestLog(ctx, next) {
    const incoming = ctx.get('X-Request-Id');
    const requestId = ACCEPTED_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      // Probes and static files would drown the log at info level.
      const level = QUIET_PATHS.test(ctx.path) ? 'debug' : 'info';
      ctx.state.log[level](
        {
          method: ctx.method,
          path: redactSecrets(ctx.path, ctx.params),
          status: ctx.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    }
  };
}

// A sign-in link's token is a password for ten minutes: route parameters named like secrets are
// logged as `***`, so log storage never holds a working link.
const SECRET_PARAM = /token|secret|code|key/i;

export function redactSecrets(path: string, params: Record<string, string> | undefined) {
  let redacted = path;
  for (const [name, value] of Object.entries(params ?? {})) {
    if (SECRET_PARAM.test(name) && value) redacted = redacted.split(value).join('***');
  }
  return redacted;
}
