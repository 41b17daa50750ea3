import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

// An enforced CSP that allows only our own scripts and styles: no inline code, no third-party
// origins. HTMX is configured (views/layouts/base.pug) not to inject inline styles or eval.
export function securityHeaders({ production }: { production: boolean }): Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
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
  });
}
