import { createHash, randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ObjectId } from 'mongodb';
import type * as OpenId from 'openid-client';
import { z } from 'zod';
import type { Config } from '../config/config.ts';
import { type Database, defineCollection } from '../data/db.ts';
import { requireInput, safeRedirectPath } from '../http/input.ts';
import { publicOrigin } from '../http/public-url.ts';
import type { Logger } from '../observability/logger.ts';
import { getSecurityCookie, setSecurityCookie } from './cookies.ts';
import type { Sessions } from './sessions.ts';
import type { SignInMethod } from './sign-in.ts';
import { constantTimeEqual } from './signing-key.ts';
import {
  createUser,
  findUserByEmail,
  findUserByIdentity,
  type Identity,
  linkIdentity,
  markSignedIn,
  type User,
  users,
} from './users.ts';

// What a provider tells us about the person, once the flow has checked it.
export type OAuthProfile = {
  subject: string;
  email?: string;
  /** Only a provider-verified email links to an existing account (docs/decisions/0025). */
  emailVerified: boolean;
  name?: string;
};

export type OAuthProvider = {
  /** 'google', 'github', 'microsoft': in URLs and in user.identities. */
  id: string;
  /** i18n key of the provider's name. */
  label: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** OpenID Connect: the issuer to discover; the ID token's signature, issuer, audience and
   * nonce are verified. */
  issuer?: URL;
  /** Plain OAuth 2 (GitHub): the endpoints, and how to read the profile with the access token. */
  endpoints?: { authorization: URL; token: URL };
  fetchProfile?(
    config: OpenId.Configuration,
    accessToken: string,
    client: typeof OpenId,
  ): Promise<OAuthProfile>;
  /** The provider's email_verified claim is not to be trusted (Microsoft). */
  emailIsUnverified?: boolean;
};

// One pending sign-in: the state sent to the provider (hashed), with the PKCE verifier and nonce
// that only this server knows, and what to do on return. Consumed once, within 10 minutes.
type OAuthState = {
  _id: string;
  provider: string;
  verifier: string;
  nonce?: string;
  next: string;
  /** Set when a signed-in user is linking a provider to their account. */
  linkTo?: ObjectId;
  /** A provider identity without a verified email, waiting for the person to decide. */
  pending?: OAuthProfile;
  expiresAt: Date;
};

export const oauthStates = defineCollection<OAuthState>('oauthStates', [], {
  expiresField: 'expiresAt',
});

const STATE_TTL_MS = 10 * 60_000;
const COOKIE = 'oauth';
const hash = (value: string) => createHash('sha256').update(value).digest('base64url');
const callbackQuery = z.object({
  state: z.string().min(1).max(512),
  code: z.string().min(1).max(4_096).optional(),
  error: z.string().max(256).optional(),
});
const pendingForm = z.object({ choice: z.literal('create') });

// A refused sign-in: logged with its reason, shown as one page whatever the reason.
class OAuthFlowError extends Error {
  readonly reason: string;
  constructor(reason: string, cause?: unknown) {
    super(`OAuth sign-in refused: ${reason}`, { cause });
    this.reason = reason;
  }
}

// The login button, and the rule for unlinking: a user can sign in with this provider while an
// identity of theirs is linked.
export function oauthSignInMethod(provider: OAuthProvider): SignInMethod {
  return {
    id: provider.id,
    label: provider.label,
    linkPath: `/auth/oauth/${provider.id}`,
    panel: (ctx, next) =>
      ctx.renderView('oauth/button', { provider: provider.id, label: provider.label, next }),
    availableTo: (user) => user.identities.some((identity) => identity.provider === provider.id),
  };
}

// openid-client is loaded on the first sign-in with a provider, not at start: most deployments
// enable few providers, and the idle process stays smaller (docs/decisions/0009).
let openIdClient: Promise<typeof OpenId> | undefined;
const loadClient = () => {
  openIdClient ??= import('openid-client');
  return openIdClient;
};

// Discovery is done once, on first use, and again after a failure (the provider was down).
function configurationOf(provider: OAuthProvider, production: boolean) {
  let loading: Promise<OpenId.Configuration> | undefined;
  return () => {
    loading ??= (async () => {
      const client = await loadClient();
      // Plain-http providers exist only in development and tests (a local OIDC server).
      const insecure = (url: URL) => !production && url.protocol === 'http:';
      const auth = client.ClientSecretPost(provider.clientSecret);
      if (provider.issuer) {
        // Non-repudiation: the ID token's signature is checked against the provider's published
        // keys too, not only its issuer, audience, expiry and nonce.
        return client.discovery(provider.issuer, provider.clientId, undefined, auth, {
          execute: [
            ...(insecure(provider.issuer) ? [client.allowInsecureRequests] : []),
            client.enableNonRepudiationChecks,
          ],
          timeout: 10,
        });
      }
      const endpoints = provider.endpoints;
      if (!endpoints) throw new Error(`provider ${provider.id} has neither issuer nor endpoints`);
      const config = new client.Configuration(
        {
          issuer: endpoints.authorization.origin,
          authorization_endpoint: endpoints.authorization.href,
          token_endpoint: endpoints.token.href,
        },
        provider.clientId,
        undefined,
        auth,
      );
      if (insecure(endpoints.token)) client.allowInsecureRequests(config);
      return config;
    })().catch((error) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

/** The services the flow uses (a feature passes its AppServices). */
export type OAuthServices = { config: Config; db: Database; sessions: Sessions; logger: Logger };

// The shared flow (docs/decisions/0025): GET /auth/oauth/<id> starts it, the provider returns to
// GET /auth/callback/<id>. state + PKCE always; nonce and ID-token verification for OIDC.
export function oauthRoutes(router: Router, services: OAuthServices, provider: OAuthProvider) {
  const { config, db, sessions, logger } = services;
  const production = config.NODE_ENV === 'production';
  const configuration = configurationOf(provider, production);
  const states = () => db.collection(oauthStates);
  const redirectUri = (ctx: Context) => `${publicOrigin(ctx, config)}/auth/callback/${provider.id}`;

  router.get(`oauth.${provider.id}.start`, `/auth/oauth/${provider.id}`, async (ctx) => {
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
      _id: hash(state),
      provider: provider.id,
      verifier,
      ...(nonce ? { nonce } : {}),
      next: ctx.state.user ? '/profile' : safeRedirectPath(ctx.query.next),
      ...(ctx.state.user ? { linkTo: ctx.state.user._id } : {}),
      expiresAt: new Date(Date.now() + STATE_TTL_MS),
    });
    // The state also goes to this browser: the callback must come back to the browser that left.
    setSecurityCookie(ctx, production, COOKIE, state, { maxAge: STATE_TTL_MS });
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
  });

  router.get(`oauth.${provider.id}.callback`, `/auth/callback/${provider.id}`, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      const query = requireInput(ctx, callbackQuery, ctx.query);
      const cookie = getSecurityCookie(ctx, production, COOKIE);
      if (!cookie || !constantTimeEqual(cookie, query.state)) throw new OAuthFlowError('state');
      setSecurityCookie(ctx, production, COOKIE, null);
      // Single use: a replayed callback finds nothing, so it has no PKCE verifier either.
      const saved = await states().findOneAndDelete({
        _id: hash(query.state),
        provider: provider.id,
        expiresAt: { $gt: new Date() },
        pending: { $exists: false },
      });
      if (!saved) throw new OAuthFlowError('verifier');
      if (query.error || !query.code) throw new OAuthFlowError('denied');
      const profile = await exchange(ctx, saved);
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
    const cookie = getSecurityCookie(ctx, production, COOKIE);
    const saved = cookie
      ? await states().findOneAndDelete({
          _id: hash(cookie),
          provider: provider.id,
          expiresAt: { $gt: new Date() },
          pending: { $exists: true },
        })
      : null;
    if (!saved?.pending || input.choice !== 'create') {
      ctx.status = 400;
      return ctx.render('oauth/failed', { label: provider.label });
    }
    setSecurityCookie(ctx, production, COOKIE, null);
    const identity = identityOf(saved.pending);
    const user = await createUser(
      db,
      { displayName: saved.pending.name || provider.id, identity },
      config.ADMIN_EMAILS,
    );
    ctx.status = 303;
    await signInAndGo(ctx, user, saved.next);
  });

  async function exchange(ctx: Context, saved: OAuthState): Promise<OAuthProfile> {
    const settings = await configuration();
    const client = await loadClient();
    const currentUrl = new URL(`${redirectUri(ctx)}?${ctx.querystring}`);
    try {
      const tokens = await client.authorizationCodeGrant(settings, currentUrl, {
        pkceCodeVerifier: saved.verifier,
        expectedState: currentUrl.searchParams.get('state') ?? '',
        ...(saved.nonce ? { expectedNonce: saved.nonce, idTokenExpected: true } : {}),
      });
      if (provider.fetchProfile) {
        return await provider.fetchProfile(settings, tokens.access_token, client);
      }
      const claims = tokens.claims();
      if (!claims) throw new OAuthFlowError('id_token');
      return {
        subject: claims.sub,
        ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
        emailVerified: !provider.emailIsUnverified && claims.email_verified === true,
        ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
      };
    } catch (error) {
      if (error instanceof OAuthFlowError) throw error;
      // Bad signature, issuer, audience or nonce, a refused code or verifier: all refusals.
      throw new OAuthFlowError('exchange', error);
    }
  }

  const identityOf = (profile: OAuthProfile): Identity => ({
    key: `${provider.id}:${profile.subject}`,
    provider: provider.id,
    subject: profile.subject,
    ...(profile.email ? { email: profile.email.toLowerCase() } : {}),
    linkedAt: new Date(),
  });

  async function signInAndGo(ctx: Context, user: User, next: string) {
    const current = await markSignedIn(db, user, config.ADMIN_EMAILS);
    await sessions.signIn(ctx, current);
    ctx.redirect(next);
  }

  // The linking rules: a known identity signs its user in; a signed-in user links it; a
  // provider-verified email links to (or creates) the account with that email; anything else asks.
  async function finish(ctx: Context, saved: OAuthState, profile: OAuthProfile) {
    const identity = identityOf(profile);
    const owner = await findUserByIdentity(db, identity.key);
    if (saved.linkTo) {
      if (!ctx.state.user?._id.equals(saved.linkTo)) throw new OAuthFlowError('link-session');
      if (owner && !owner._id.equals(saved.linkTo)) {
        ctx.status = 409;
        return ctx.render('oauth/taken', { label: provider.label });
      }
      if (!owner) await linkIdentity(db, saved.linkTo, identity);
      sessions.forgetUser(saved.linkTo);
      return ctx.redirect('/profile');
    }
    if (owner) return signInAndGo(ctx, owner, saved.next);
    if (profile.email && profile.emailVerified) {
      const existing = await findUserByEmail(db, profile.email);
      if (existing) {
        await linkIdentity(db, existing._id, identity);
        const linked = await db.collection(users).findOne({ _id: existing._id });
        return signInAndGo(ctx, linked ?? existing, saved.next);
      }
      const created = await createUser(
        db,
        { email: profile.email, displayName: profile.name || profile.email, identity },
        config.ADMIN_EMAILS,
      ).catch(async (error) => {
        // The same email signed up a moment ago: link to that account instead.
        if ((error as { code?: number }).code !== 11000) throw error;
        const raced = await findUserByEmail(db, profile.email as string);
        if (!raced) throw error;
        await linkIdentity(db, raced._id, identity);
        return raced;
      });
      return signInAndGo(ctx, created, saved.next);
    }
    // No verified email: ask. The identity waits, bound to this browser, for 10 minutes.
    const key = randomBytes(32).toString('base64url');
    await states().insertOne({
      _id: hash(key),
      provider: provider.id,
      verifier: '',
      next: saved.next,
      pending: profile,
      expiresAt: new Date(Date.now() + STATE_TTL_MS),
    });
    setSecurityCookie(ctx, production, COOKIE, key, { maxAge: STATE_TTL_MS });
    ctx.render('oauth/ask', { label: provider.label, provider: provider.id });
  }
}
