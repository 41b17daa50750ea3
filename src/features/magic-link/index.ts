import { defineFeature } from '../../core/app/feature.ts';
import { ConfigError } from '../../core/config/config.ts';
import { emailTransportName } from '../../core/email/email.ts';
import { requestRoutes } from './request.ts';
import { linkMacs, magicLinkClaims, magicLinks } from './tokens.ts';
import { verifyRoutes } from './verify.ts';

// Passwordless sign-in (docs/decisions/0024): POST /auth/magic-link emails a single-use link with
// a short code (request.ts); GET /auth/verify/:token only shows a confirm page (mail scanners open
// links), and POST consumes it (verify.ts). In the browser that asked, confirming is enough;
// anywhere else the code from the email is needed.
export const magicLink = defineFeature({
  name: 'magic-link',
  collections: [magicLinks, magicLinkClaims],
  signInMethods: () => [
    {
      id: 'email',
      label: 'magic-link:name',
      panel: (ctx, next) => ctx.renderView('magic-link/panel', { next, email: '' }),
      availableTo: (user) => Boolean(user.email),
    },
  ],
  emailPreviews: [
    {
      template: 'magic-link',
      subject: 'magic-link:email.subject',
      locals: { url: 'https://example.com/auth/verify/sample-token', code: '123456', minutes: 10 },
    },
  ],
  routes(router, services) {
    const { config, signingKey } = services;
    // Refused at start rather than at the first sign-in: without these, links would point at
    // whatever Host a client sent, or sit in the database instead of reaching anyone.
    if (config.production) {
      const missing = [
        config.PUBLIC_URL
          ? ''
          : 'PUBLIC_URL: required when NODE_ENV=production, for the links in sign-in emails. Fix: set it to the public origin, e.g. https://app.example.com.',
        emailTransportName(config) !== 'outbox'
          ? ''
          : 'SMTP_URL: required when NODE_ENV=production, to deliver sign-in emails. Fix: set it, e.g. smtps://user:pass@smtp.example.com:465 (or SES_REGION with its keys), or remove the magic-link feature.',
      ].filter(Boolean);
      if (missing.length > 0) throw new ConfigError(missing);
    }
    const macs = linkMacs(signingKey);
    requestRoutes(router, services, macs);
    verifyRoutes(router, services, macs);
  },
});
