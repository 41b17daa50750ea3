import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import { defineFeature } from '../../core/app/feature.ts';
import { getSecurityCookie, setSecurityCookie } from '../../core/auth/cookies.ts';
import { constantTimeEqual } from '../../core/auth/signing-key.ts';
import { normalizeEmail, signInByEmail } from '../../core/auth/users.ts';
import { ConfigError } from '../../core/config/config.ts';
import { sendEmail } from '../../core/email/email.ts';
import { parseInput, safeRedirectPath } from '../../core/http/input.ts';
import { publicOrigin } from '../../core/http/public-url.ts';
import {
  hashToken,
  LINK_TTL_MS,
  MAX_CODE_ATTEMPTS,
  magicLinkClaims,
  magicLinks,
  newCode,
  newToken,
  TOKEN_FORMAT,
} from './tokens.ts';

const BROWSER_COOKIE = 'magic';
const BROWSER_ID = /^[\w-]{43}$/;

const requestForm = z.object({
  email: z
    .string({ error: 'magic-link:errors.email' })
    .trim()
    .max(254, 'magic-link:errors.email')
    .pipe(z.email({ error: 'magic-link:errors.email' })),
  next: z.string().max(2_000).optional(),
});

const verifyForm = z.object({
  code: z
    .string({ error: 'magic-link:errors.code' })
    .trim()
    .regex(/^\d{6}$/, 'magic-link:errors.code')
    .optional(),
});

// Passwordless sign-in (docs/decisions/0024): POST /auth/magic-link emails a single-use link with
// a short code; GET /auth/verify/:token only shows a confirm page (mail scanners open links), and
// POST consumes it. In the browser that asked, confirming is enough; anywhere else the code from
// the email is needed.
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
  routes(router, services) {
    const { config, db, logger, rateLimits, sessions, signingKey } = services;
    const production = config.NODE_ENV === 'production';
    // Refused at start rather than at the first sign-in: without these, links would point at
    // whatever Host a client sent, or sit in the database instead of reaching anyone.
    if (production) {
      const missing = [
        config.PUBLIC_URL
          ? ''
          : 'PUBLIC_URL: required when NODE_ENV=production, for the links in sign-in emails. Fix: set it to the public origin, e.g. https://app.example.com.',
        config.SMTP_URL
          ? ''
          : 'SMTP_URL: required when NODE_ENV=production, to deliver sign-in emails. Fix: set it, e.g. smtps://user:pass@smtp.example.com:465, or remove the magic-link feature.',
      ].filter(Boolean);
      if (missing.length > 0) throw new ConfigError(missing);
    }
    const perIp = rateLimits.create('magic-link-ip', { points: 10, durationSeconds: 15 * 60 });
    const perEmail = rateLimits.create('magic-link-email', { points: 3, durationSeconds: 15 * 60 });
    const verifyPerIp = rateLimits.create('magic-link-verify-ip', {
      points: 20,
      durationSeconds: 15 * 60,
    });
    const links = () => db.collection(magicLinks);
    const browserMac = (id: string) => signingKey.hmac('magic-link-browser', id);
    const codeMac = (tokenHash: string, code: string) =>
      signingKey.hmac('magic-link-code', `${tokenHash}:${code}`);

    // The random id that binds a link to the browser that asked for it.
    function browserId(ctx: Context) {
      let id = getSecurityCookie(ctx, production, BROWSER_COOKIE);
      if (!id || !BROWSER_ID.test(id)) {
        id = randomBytes(32).toString('base64url');
        setSecurityCookie(ctx, production, BROWSER_COOKIE, id, { maxAge: LINK_TTL_MS });
      }
      return id;
    }

    router.post('magic-link.request', '/auth/magic-link', async (ctx) => {
      const htmx = Boolean(ctx.get('HX-Request'));
      const input = parseInput(requestForm, ctx.request.body);
      if (!input.ok) {
        const raw = (ctx.request.body as Record<string, unknown> | undefined)?.email;
        ctx.status = 400;
        const locals = {
          email: typeof raw === 'string' ? raw : '',
          next: safeRedirectPath((ctx.request.body as { next?: unknown } | undefined)?.next),
          error: input.errors.email ?? 'magic-link:errors.email',
        };
        ctx.render(htmx ? 'magic-link/panel' : 'magic-link/request', locals);
        return;
      }
      // PUBLIC_URL in production (checked at start); the request's host in development.
      const origin = publicOrigin(ctx, config);
      const address = normalizeEmail(input.data.email);
      await perIp.consume(ctx, ctx.ip);
      await perEmail.consume(ctx, createHash('sha256').update(address).digest('base64url'));

      // Same work and the same answer whether or not an account exists: the account is made at
      // first sign-in, so there is nothing to look up here.
      const token = newToken();
      const code = newCode();
      const tokenHash = hashToken(token);
      const now = new Date();
      await links().insertOne({
        _id: tokenHash,
        email: address,
        browser: browserMac(browserId(ctx)),
        code: codeMac(tokenHash, code),
        next: safeRedirectPath(input.data.next),
        createdAt: now,
        expiresAt: new Date(now.getTime() + LINK_TTL_MS),
      });
      try {
        await sendEmail(services, {
          to: address,
          template: 'magic-link',
          subject: 'magic-link:email.subject',
          lang: ctx.state.lang,
          locals: {
            url: `${origin}/auth/verify/${token}`,
            code,
            minutes: LINK_TTL_MS / 60_000,
          },
        });
      } catch (error) {
        // Logged, not shown: an error page here would tell which addresses fail differently.
        logger.error({ err: error }, 'could not send a sign-in email');
      }
      ctx.set('Cache-Control', 'no-store');
      ctx.render(htmx ? 'magic-link/sent-panel' : 'magic-link/sent');
    });

    const invalid = (ctx: Context) => {
      ctx.status = 400;
      ctx.set('Cache-Control', 'no-store');
      ctx.render('magic-link/invalid');
    };
    const claims = () => db.collection(magicLinkClaims);
    const attemptsOn = (tokenHash: string) =>
      claims().countDocuments({ link: tokenHash, attempt: true });
    // A link that can still be used: not expired, not used, attempts left.
    async function liveLink(tokenHash: string) {
      const link = await links().findOne({ _id: tokenHash, expiresAt: { $gt: new Date() } });
      if (!link || (await claims().findOne({ _id: `${tokenHash}:used` }))) return null;
      return (await attemptsOn(tokenHash)) < MAX_CODE_ATTEMPTS ? link : null;
    }
    // Records a claim; false when it exists already (another request used the link first).
    async function claim(id: string, tokenHash: string, attempt = false) {
      try {
        await claims().insertOne({
          _id: id,
          link: tokenHash,
          ...(attempt ? { attempt: true as const } : {}),
          expiresAt: new Date(Date.now() + LINK_TTL_MS),
        });
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 11000) return false;
        throw error;
      }
    }
    const fromThisBrowser = (ctx: Context, browser: string) => {
      const id = getSecurityCookie(ctx, production, BROWSER_COOKIE);
      return Boolean(id && BROWSER_ID.test(id) && constantTimeEqual(browserMac(id), browser));
    };
    const confirmPage = (ctx: Context, token: string, locals: Record<string, unknown>) => {
      ctx.set('Cache-Control', 'no-store');
      ctx.render('magic-link/confirm', { action: `/auth/verify/${token}`, ...locals });
    };
    const askForCode = (ctx: Context, token: string, locals: Record<string, unknown> = {}) => {
      ctx.status = 400;
      confirmPage(ctx, token, { needsCode: true, error: 'magic-link:errors.code', ...locals });
    };

    router.get('magic-link.verify', '/auth/verify/:token', async (ctx) => {
      const token = ctx.params.token ?? '';
      if (!TOKEN_FORMAT.test(token)) return invalid(ctx);
      const link = await liveLink(hashToken(token));
      if (!link) return invalid(ctx);
      const sameBrowser = fromThisBrowser(ctx, link.browser);
      confirmPage(ctx, token, { needsCode: !sameBrowser, email: sameBrowser ? link.email : '' });
    });

    router.post('/auth/verify/:token', async (ctx) => {
      const token = ctx.params.token ?? '';
      const input = parseInput(verifyForm, ctx.request.body);
      if (!input.ok) return askForCode(ctx, token);
      if (!TOKEN_FORMAT.test(token)) return invalid(ctx);
      await verifyPerIp.consume(ctx, ctx.ip);
      const tokenHash = hashToken(token);
      const link = await liveLink(tokenHash);
      if (!link) return invalid(ctx);
      const { code } = input.data;
      if (code === undefined) {
        if (!fromThisBrowser(ctx, link.browser)) return askForCode(ctx, token);
      } else {
        // Each attempt is recorded before the code is compared, and counted after: however many
        // guesses arrive at once, at most MAX_CODE_ATTEMPTS are ever compared.
        await claim(`${tokenHash}:attempt:${randomUUID()}`, tokenHash, true);
        const attempts = await attemptsOn(tokenHash);
        if (attempts > MAX_CODE_ATTEMPTS) return invalid(ctx);
        if (!constantTimeEqual(codeMac(tokenHash, code), link.code)) {
          if (attempts >= MAX_CODE_ATTEMPTS) return invalid(ctx);
          return askForCode(ctx, token, {
            error: 'magic-link:errors.wrongCode',
            attemptsLeft: MAX_CODE_ATTEMPTS - attempts,
          });
        }
      }
      // Single use: of two concurrent confirmations, only one inserts the claim.
      if (!(await claim(`${tokenHash}:used`, tokenHash))) return invalid(ctx);
      await links().deleteOne({ _id: tokenHash });
      const user = await signInByEmail(db, link.email, config.ADMIN_EMAILS);
      await sessions.signIn(ctx, user);
      ctx.status = 303;
      ctx.redirect(link.next);
    });
  },
});
