import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { Middleware } from 'koa';

export type SecurityOptions = {
  production: boolean;
  /** Other origins allowed to serve scripts (a feature's page scripts) and to be sent to. */
  sources?: { scriptSrc: string[]; connectSrc: string[] };
};

// An enforced CSP that allows only our own scripts and styles: no inline code, and no
// third-party origins but those a feature's page scripts name (the analytics tracker). HTMX is
// configured (views/layouts/base.pug) not to inject inline styles or eval.
export function securityHeaders({
  production,
  sources = { scriptSrc: [], connectSrc: [] },
}: SecurityOptions): Middleware {
  const headers = headersOf(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", ...sources.scriptSrc],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'", ...sources.connectSrc],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'self'"],
          objectSrc: ["'none'"],
          // Plain-http localhost in development must not be upgraded to https.
          upgradeInsecureRequests: production ? [] : null,
        },
      },
      // Not helmet's no-referrer: with it, browsers send `Origin: null` on form posts, which the
      // CSRF origin check must refuse. same-origin still sends nothing to other sites (sign-in
      // links carry a token in their URL).
      referrerPolicy: { policy: 'same-origin' },
      // HSTS on localhost would pin https for every local project on that port.
      strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    }),
  );
  // Not async, and no promise of helmet's own: every response gets the same headers.
  return function securityHeaders(ctx, next) {
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    return next();
  };
}

// Helmet derives every header from its options alone (this CSP has no nonces), so it runs once,
// against a response that records what it sets; requests then skip its chain of a dozen
// middleware functions.
function headersOf(middleware: ReturnType<typeof helmet>): Array<[string, string]> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return [...headers];
}
