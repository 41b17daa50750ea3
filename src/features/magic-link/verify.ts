import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppServices } from '../../core/app/feature.ts';
import { existingBrowserId } from '../../core/auth/browser-id.ts';
import { setSecurityCookie } from '../../core/auth/cookies.ts';
import { constantTimeEqual } from '../../core/auth/signing-key.ts';
import { signInByEmail } from '../../core/auth/users.ts';
import { parseInput } from '../../core/http/input.ts';
import {
  BROWSER_COOKIE,
  hashToken,
  KNOWN_COOKIE,
  KNOWN_TTL_MS,
  LINK_TTL_MS,
  type LinkMacs,
  MAX_CODE_ATTEMPTS,
  magicLinkClaims,
  magicLinks,
  TOKEN_FORMAT,
} from './tokens.ts';

const verifyForm = z.object({
  code: z
    .string({ error: 'magic-link:errors.code' })
    .trim()
    .regex(/^\d{6}$/, 'magic-link:errors.code')
    .optional(),
});

// GET /auth/verify/:token shows the confirm page (mail scanners open links); POST signs in, once:
// in the browser that asked, confirming is enough; elsewhere the code from the email is needed.
export function verifyRoutes(router: Router, services: AppServices, macs: LinkMacs) {
  const { config, db, rateLimits, sessions } = services;
  const { production } = config;
  const verifyPerIp = rateLimits.create('magic-link-verify-ip', {
    points: 20,
    durationSeconds: 15 * 60,
  });
  const links = () => db.collection(magicLinks);

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
    const id = existingBrowserId(ctx, production, BROWSER_COOKIE);
    return Boolean(id && constantTimeEqual(macs.browser(id), browser));
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
      if (!constantTimeEqual(macs.code(tokenHash, code), link.code)) {
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
    // This browser may ask for links to this address past the per-address limit (request.ts).
    setSecurityCookie(ctx, production, KNOWN_COOKIE, macs.known(link.email), {
      maxAge: KNOWN_TTL_MS,
    });
    ctx.status = 303;
    ctx.redirect(link.next);
  });
}
