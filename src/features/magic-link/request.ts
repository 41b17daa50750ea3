import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppServices } from '../../core/app/feature.ts';
import { browserId } from '../../core/auth/browser-id.ts';
import { getSecurityCookie } from '../../core/auth/cookies.ts';
import { constantTimeEqual } from '../../core/auth/signing-key.ts';
import { normalizeEmail } from '../../core/auth/users.ts';
import { sha256 } from '../../core/data/ids.ts';
import { sendEmail } from '../../core/email/email.ts';
import { parseInput, safeRedirectPath } from '../../core/http/input.ts';
import { publicOrigin } from '../../core/http/public-url.ts';
import {
  BROWSER_COOKIE,
  hashToken,
  KNOWN_COOKIE,
  LINK_TTL_MS,
  type LinkMacs,
  magicLinks,
  newCode,
  newToken,
} from './tokens.ts';

const requestForm = z.object({
  email: z
    .string({ error: 'magic-link:errors.email' })
    .trim()
    .max(254, 'magic-link:errors.email')
    .pipe(z.email({ error: 'magic-link:errors.email' })),
  next: z.string().max(2_000).optional(),
});

// POST /auth/magic-link: stores a link for the address and emails it with its code.
export function requestRoutes(router: Router, services: AppServices, macs: LinkMacs) {
  const { config, db, logger, rateLimits } = services;
  const { production } = config;
  const perIp = rateLimits.create('magic-link-ip', { points: 10, durationSeconds: 15 * 60 });
  // Per address, the emails one address may be sent: 3 in 15 minutes to requests from one IP, and
  // 10 an hour from all of them. Someone asking for a victim's links from elsewhere uses up only
  // their own share; a flood from many addresses stops at the hourly cap, which the browser that
  // last signed in with the address (KNOWN_COOKIE) passes, so the owner is never locked out there.
  const perEmailAndIp = rateLimits.create('magic-link-email-ip', {
    points: 3,
    durationSeconds: 15 * 60,
  });
  const perEmail = rateLimits.create('magic-link-email', { points: 10, durationSeconds: 60 * 60 });
  const knownBrowser = (ctx: Context, address: string) => {
    const cookie = getSecurityCookie(ctx, production, KNOWN_COOKIE);
    return Boolean(cookie && constantTimeEqual(cookie, macs.known(address)));
  };

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
    if (!knownBrowser(ctx, address)) {
      await perEmailAndIp.consume(ctx, sha256(`${address}\u0000${ctx.ip}`));
      await perEmail.consume(ctx, sha256(address));
    }

    // Same work and the same answer whether or not an account exists: the account is made at
    // first sign-in, so there is nothing to look up here.
    const token = newToken();
    const code = newCode();
    const tokenHash = hashToken(token);
    const now = new Date();
    await db.collection(magicLinks).insertOne({
      _id: tokenHash,
      email: address,
      browser: macs.browser(browserId(ctx, production, BROWSER_COOKIE, LINK_TTL_MS)),
      code: macs.code(tokenHash, code),
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
}
