import { defineFeature } from '../../src/core/app/feature.ts';
import { signInByEmail } from '../../src/core/auth/users.ts';
import type { Client } from './client.ts';

// Signs a test browser in without any sign-in feature: a route that exists only in tests, and
// goes through the same core calls (user by email, new session) as every real way to sign in.
export const testSignIn = defineFeature({
  name: 'test-sign-in',
  routes(router, { db, sessions, config }) {
    router.get('/test/sign-in', async (ctx) => {
      const email = String(ctx.query.email);
      const user = await signInByEmail(db, email, config.ADMIN_EMAILS);
      await sessions.signIn(ctx, user);
      ctx.body = { id: String(user._id), role: user.role };
    });
    // A CSRF token for this browser, as any page with a form would embed it.
    router.get('/test/csrf', (ctx) => {
      ctx.body = { token: ctx.csrfToken() };
    });
  },
});

export async function signIn(client: Client, email: string) {
  const res = await client.get(`/test/sign-in?email=${encodeURIComponent(email)}`);
  if (res.status !== 200) throw new Error(`test sign-in failed: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as { id: string; role: string };
}
