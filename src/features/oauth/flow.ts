import type Router from '@koa/router';
import type { Context } from 'koa';
import type * as OpenId from 'openid-client';
import { z } from 'zod';
import type { AppServices } from '../../core/app/feature.ts';
import { getSecurityCookie, setSecurityCookie } from '../../core/auth/cookies.ts';
import { requireUser } from '../../core/auth/roles.ts';
import { constantTimeEqual } from '../../core/auth/signing-key.ts';
import type { User } from '../../core/auth/users.ts';
import { requireInput, safeRedirectPath } from '../../core/http/input.ts';
import { publicOrigin } from '../../core/http/public-url.ts';
import { configurationOf, loadClient } from './client.ts';
import { exchangeCode } from './exchange.ts';
import { linkingPolicy, OAuthFlowError } from './linking.ts';
import type { OAuthProvider } from './provider.ts';
import { hashState, oauthStates, STATE_COOKIE, STATE_TTL_MS } from './states.ts';

const callbackQuery = z.object({
  state: z.string().min(1).max(512),
  code: z.string().min(1).max(4_096).optional(),
  error: z.string().max(256).optional(),
});
const pendingForm = z.object({ choice: z.literal('create') });

/** Linking a way to sign in needs a sign-in this recent: a browser left signed in is not enough. */
export const RECENT_SIGN_IN_MS = 10 * 60_000;

// The shared flow (docs/decisions/0025): GET /auth/oauth/<id> starts a sign-in, POST (a form with
// the CSRF token, from the profile, shortly after signing in) starts linking; the provider returns
// to GET /auth/callback/<id>. state + PKCE always; nonce and ID-token verification for OIDC. What
// the checked identity becomes is the linking policy's (linking.ts).
export function oauthRoutes(router: Router, services: AppServices, provider: OAuthProvider) {
  const { config, db, logger } = services;
  const { production } = config;
  const { finish, createFromPending } = linkingPolicy(services, provider, production);
  const configuration = configurationOf(provider, production);
  const states = () => db.collection(oauthStates);
  const redirectUri = (ctx: Context) => `${publicOrigin(ctx, config)}/auth/callback/${provider.id}`;

  const start = async (ctx: Context, linkTo?: User['_id']) => {
    let settings: OpenId.Configuration;
    try {
      settings = await configuration();
    } catch (error) {
      // The provider cannot be reached (or answers nonsense): say so, and try again next time.
      logger.error({ err: error, provider: provider.id }, 'OAuth provider discovery failed');
      ctx.status = 502;
      return ctx.render('oauth/failed', { label: provider.label });
    }
    const client = await loadClient();
    const state = client.randomState();
    const verifier = client.randomPKCECodeVerifier();
    const nonce = provider.issuer ? client.randomNonce() : undefined;
    await states().insertOne({
      _id: hashState(state),
      provider: provider.id,
      verifier,
      ...(nonce ? { nonce } : {}),
      next: linkTo ? '/profile' : safeRedirectPath(ctx.query.next),
      ...(linkTo ? { linkTo } : {}),
      expiresAt: new Date(Date.now() + STATE_TTL_MS),
    });
    // The state also goes to this browser: the callback must come back to the browser that left.
    setSecurityCookie(ctx, production, STATE_COOKIE, state, { maxAge: STATE_TTL_MS });
    const url = client.buildAuthorizationUrl(settings, {
      redirect_uri: redirectUri(ctx),
      scope: provider.scope,
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(nonce ? { nonce } : {}),
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(url.href);
  };

  // A link or an image on another site can make a browser GET this: signed in, it never links.
  router.get(`oauth.${provider.id}.start`, `/auth/oauth/${provider.id}`, async (ctx) => {
    if (ctx.state.user) return ctx.redirect('/profile');
    await start(ctx);
  });

  // Linking: a POST, so the CSRF check has run, and only shortly after a sign-in.
  router.post(`/auth/oauth/${provider.id}`, requireUser(), async (ctx) => {
    const signedInAt = ctx.state.session?.record.createdAt.getTime() ?? 0;
    if (Date.now() - signedInAt > RECENT_SIGN_IN_MS) {
      ctx.status = 403;
      return ctx.render('oauth/reauth', { label: provider.label });
    }
    ctx.status = 303;
    await start(ctx, (ctx.state.user as User)._id);
  });

  router.get(`oauth.${provider.id}.callback`, `/auth/callback/${provider.id}`, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      const query = requireInput(ctx, callbackQuery, ctx.query);
      const cookie = getSecurityCookie(ctx, production, STATE_COOKIE);
      if (!cookie || !constantTimeEqual(cookie, query.state)) throw new OAuthFlowError('state');
      setSecurityCookie(ctx, production, STATE_COOKIE, null);
      // Single use: a replayed callback finds nothing, so it has no PKCE verifier either.
      const saved = await states().findOneAndDelete({
        _id: hashState(query.state),
        provider: provider.id,
        expiresAt: { $gt: new Date() },
        pending: { $exists: false },
      });
      if (!saved) throw new OAuthFlowError('verifier');
      if (query.error || !query.code) throw new OAuthFlowError('denied');
      const currentUrl = new URL(`${redirectUri(ctx)}?${ctx.querystring}`);
      const profile = await exchangeCode(provider, await configuration(), currentUrl, saved);
      await finish(ctx, saved, profile);
    } catch (error) {
      if (!(error instanceof OAuthFlowError)) throw error;
      logger.warn({ err: error, provider: provider.id }, 'OAuth sign-in refused');
      ctx.status = 400;
      ctx.render('oauth/failed', { label: provider.label });
    }
  });

  // The person chose to create a new account for a provider identity without a verified email.
  router.post(`/auth/oauth/${provider.id}/pending`, async (ctx) => {
    const input = requireInput(ctx, pendingForm, ctx.request.body);
    const cookie = getSecurityCookie(ctx, production, STATE_COOKIE);
    const saved = cookie
      ? await states().findOneAndDelete({
          _id: hashState(cookie),
          provider: provider.id,
          expiresAt: { $gt: new Date() },
          pending: { $exists: true },
        })
      : null;
    if (!saved?.pending || input.choice !== 'create') {
      ctx.status = 400;
      return ctx.render('oauth/failed', { label: provider.label });
    }
    setSecurityCookie(ctx, production, STATE_COOKIE, null);
    ctx.status = 303;
    await createFromPending(ctx, saved.pending, saved.next);
  });
}
