import type { Context } from 'koa';
import type { AppServices } from '../../core/app/feature.ts';
import { setSecurityCookie } from '../../core/auth/cookies.ts';
import {
  createUser,
  findUserByEmail,
  findUserByIdentity,
  type Identity,
  linkIdentity,
  markSignedIn,
  type User,
  users,
} from '../../core/auth/users.ts';
import { randomId } from '../../core/data/ids.ts';
import { sendSignInMethodNotice } from '../../core/email/sign-in-method-notice.ts';
import type { OAuthProfile, OAuthProvider } from './provider.ts';
import { hashState, type OAuthState, oauthStates, STATE_COOKIE, STATE_TTL_MS } from './states.ts';

/** A refused sign-in: logged with its reason, shown as one page whatever the reason. */
export class OAuthFlowError extends Error {
  readonly reason: string;
  constructor(reason: string, cause?: unknown) {
    super(`OAuth sign-in refused: ${reason}`, { cause });
    this.reason = reason;
  }
}

type LinkingServices = Pick<AppServices, 'config' | 'db' | 'sessions' | 'jobs' | 'logger'>;

// What a provider identity becomes once the flow has checked it (docs/decisions/0025): a known
// identity signs its user in; a signed-in user links it; a provider-verified email links to (or
// creates) the account with that email; anything else asks the person first.
export function linkingPolicy(
  services: LinkingServices,
  provider: OAuthProvider,
  production: boolean,
) {
  const { config, db, sessions } = services;
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

  async function finish(ctx: Context, saved: OAuthState, profile: OAuthProfile) {
    const identity = identityOf(profile);
    const owner = await findUserByIdentity(db, identity.key);
    if (saved.linkTo) {
      if (!ctx.state.user?._id.equals(saved.linkTo)) throw new OAuthFlowError('link-session');
      if (owner && !owner._id.equals(saved.linkTo)) {
        ctx.status = 409;
        return ctx.render('oauth/taken', { label: provider.label });
      }
      if (!owner) {
        await linkIdentity(db, saved.linkTo, identity);
        await sendSignInMethodNotice(services, ctx, ctx.state.user, 'linked', provider.label);
      }
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
    const key = randomId();
    await db.collection(oauthStates).insertOne({
      _id: hashState(key),
      provider: provider.id,
      verifier: '',
      next: saved.next,
      pending: profile,
      expiresAt: new Date(Date.now() + STATE_TTL_MS),
    });
    setSecurityCookie(ctx, production, STATE_COOKIE, key, { maxAge: STATE_TTL_MS });
    ctx.render('oauth/ask', { label: provider.label, provider: provider.id });
  }

  // The person chose a new account for an identity without a verified email.
  async function createFromPending(ctx: Context, pending: OAuthProfile, next: string) {
    const identity = identityOf(pending);
    const user = await createUser(
      db,
      { displayName: pending.name || provider.id, identity },
      config.ADMIN_EMAILS,
    );
    await signInAndGo(ctx, user, next);
  }

  return { finish, createFromPending };
}
