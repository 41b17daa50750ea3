import type { Context } from 'koa';
import { z } from 'zod';
import {
  createFakeUsers,
  deleteFakeUsers,
  FAKE_USERS_MAX,
  findFakeUser,
} from '../../auth/fake-users.ts';
import { roles, type User, users } from '../../auth/users.ts';
import type { Router } from '../../config/koa-router.ts';
import { parseInput } from '../../http/input.ts';
import type { AppServices, DebugPage } from '../feature.ts';
import { respond, wantsJson } from './respond.ts';

const LISTED = 200;

const createInput = z.object({
  count: z.coerce.number().int().min(1).max(FAKE_USERS_MAX),
  role: z.enum(roles),
});

const shown = (user: User) => ({
  id: user._id.toHexString(),
  email: user.email ?? null,
  displayName: user.displayName,
  role: user.role,
  fake: user.fake === true,
  createdAt: user.createdAt,
});

// /debug/users: every account (newest first), fake ones made in bulk with a role, deleted in one
// go, and signed in as in one click. Signing in goes through the core's sessions, so it works
// whichever sign-in features the project kept. Only `fake: true` users can be signed in as or
// deleted here (src/core/auth/fake-users.ts).
export function usersPage(router: Router, { db, sessions }: AppServices): DebugPage {
  async function list(
    ctx: Context,
    status: { created?: number; deleted?: number; error?: string },
  ) {
    const all = db.collection(users);
    const [total, fake, latest] = await Promise.all([
      all.countDocuments(),
      all.countDocuments({ fake: true }),
      all.find().sort({ createdAt: -1, _id: -1 }).limit(LISTED).toArray(),
    ]);
    const data = { total, fake, max: FAKE_USERS_MAX, roles, users: latest.map(shown), ...status };
    if (ctx.get('HX-Request')) {
      ctx.set('Cache-Control', 'no-store');
      ctx.render('debug/users-list', data);
    } else respond(ctx, 'debug/users', data);
  }

  // After a change: the updated list for HTMX and JSON, a redirect for a plain form.
  async function changed(ctx: Context, status: { created?: number; deleted?: number }) {
    if (ctx.get('HX-Request') || wantsJson(ctx)) return list(ctx, status);
    ctx.status = 303;
    ctx.redirect('/debug/users');
  }

  router.get('/users', (ctx) => list(ctx, {}));

  router.post('/users', async (ctx) => {
    const input = parseInput(createInput, ctx.request.body);
    if (!input.ok) {
      ctx.status = ctx.get('HX-Request') ? 200 : 422; // HTMX swaps 2xx answers only
      return list(ctx, { error: ctx.state.t('debug.users.invalid', { max: FAKE_USERS_MAX }) });
    }
    const made = await createFakeUsers(db, input.data.count, input.data.role);
    if (wantsJson(ctx)) ctx.status = 201;
    return changed(ctx, { created: made.length });
  });

  router.post('/users/delete-fake', async (ctx) => {
    const ids = await deleteFakeUsers(db);
    for (const id of ids) sessions.forgetUser(id);
    return changed(ctx, { deleted: ids.length });
  });

  router.post('/users/:id/sign-in', async (ctx) => {
    const user = await findFakeUser(db, ctx.params.id ?? '');
    if (!user) return ctx.throw(404);
    await sessions.signIn(ctx, user);
    if (wantsJson(ctx)) {
      ctx.body = { signedIn: shown(user) };
      return;
    }
    ctx.status = 303;
    ctx.redirect('/');
  });

  return {
    path: '/debug/users',
    title: 'common:debug.users.title',
    summary: 'common:debug.users.summary',
  };
}
