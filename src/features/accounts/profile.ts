import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppServices } from '../../core/app/feature.ts';
import { requireUser } from '../../core/auth/roles.ts';
import type { SignInMethod } from '../../core/auth/sign-in.ts';
import { DISPLAY_NAME_MAX, type User, users } from '../../core/auth/users.ts';
import { parseInput } from '../../core/http/input.ts';
import { seeOther } from './see-other.ts';

const profileForm = z.object({
  displayName: z
    .string({ error: 'accounts:profile.errors.required' })
    .trim()
    .min(1, 'accounts:profile.errors.required')
    .max(DISPLAY_NAME_MAX, 'accounts:profile.errors.tooLong'),
});

// Whether the user still has a way to sign in once `provider` is unlinked.
function canUnlink(methods: SignInMethod[], user: User, provider: string) {
  const rest = { ...user, identities: user.identities.filter((i) => i.provider !== provider) };
  return methods.some((method) => method.availableTo(rest));
}

// /profile: the display name, linked accounts (link, unlink) and "sign out everywhere".
export function profileRoutes(
  router: Router,
  { db, sessions, signInMethods, profileSections }: AppServices,
) {
  const renderProfile = (ctx: Context, locals: Record<string, unknown> = {}) => {
    const user = ctx.state.user as User;
    ctx.set('Cache-Control', 'no-store');
    ctx.render('accounts/profile', {
      displayName: user.displayName,
      maxLength: DISPLAY_NAME_MAX,
      providers: signInMethods
        .filter((method) => method.linkPath)
        .map((method) => ({
          id: method.id,
          label: method.label,
          linkPath: method.linkPath,
          identity: user.identities.find((i) => i.provider === method.id),
          canUnlink: canUnlink(signInMethods, user, method.id),
        })),
      sections: profileSections.map((section) => section(ctx)),
      ...locals,
    });
  };

  router.get('accounts.profile', '/profile', requireUser(), (ctx) => renderProfile(ctx));

  router.post('/profile', requireUser(), async (ctx) => {
    const user = ctx.state.user as User;
    const input = parseInput(profileForm, ctx.request.body);
    const htmx = Boolean(ctx.get('HX-Request'));
    const form = { maxLength: DISPLAY_NAME_MAX, saved: false };
    if (!input.ok) {
      ctx.status = 400;
      const raw = (ctx.request.body as Record<string, unknown> | undefined)?.displayName;
      const shown = typeof raw === 'string' ? raw : '';
      const error = input.errors.displayName ?? 'accounts:profile.errors.required';
      if (htmx) ctx.render('accounts/profile-form', { ...form, displayName: shown, error });
      else renderProfile(ctx, { displayName: shown, error });
      return;
    }
    const { displayName } = input.data;
    await db.collection(users).updateOne({ _id: user._id }, { $set: { displayName } });
    sessions.forgetUser(user._id);
    ctx.state.user = { ...user, displayName };
    if (htmx) ctx.render('accounts/profile-form', { ...form, displayName, saved: true });
    else seeOther(ctx, '/profile');
  });

  router.post('/profile/sign-out-everywhere', requireUser(), async (ctx) => {
    await sessions.signOutEverywhere(ctx, (ctx.state.user as User)._id);
    seeOther(ctx, '/login');
  });

  router.post('/profile/identities/:provider/unlink', requireUser(), async (ctx) => {
    const user = ctx.state.user as User;
    const provider = ctx.params.provider ?? '';
    if (!user.identities.some((i) => i.provider === provider)) ctx.throw(404);
    if (!canUnlink(signInMethods, user, provider)) {
      ctx.status = 409;
      renderProfile(ctx, { unlinkError: true });
      return;
    }
    // $set of the remaining list rather than $pull with a condition, which FerretDB ignores;
    // read from the database, since ctx.state.user may be a few seconds old (SESSION_CACHE_MS)
    // and a link made meanwhile must not be undone.
    const current = await db.collection(users).findOne({ _id: user._id });
    await db.collection(users).updateOne(
      { _id: user._id, 'identities.provider': provider },
      {
        $set: {
          identities: (current?.identities ?? []).filter((i) => i.provider !== provider),
        },
      },
    );
    sessions.forgetUser(user._id);
    seeOther(ctx, '/profile');
  });
}
