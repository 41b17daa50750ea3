import type { Context } from 'koa';
import type { User } from './users.ts';

// A way to sign in, offered by a feature (magic links, each OAuth provider). The login page shows
// every method's panel; the profile page uses availableTo() so that a user can never remove the
// last way they have to sign in.
export type SignInMethod = {
  /** The provider stored in user.identities ('github'), or the method's own name ('email'). */
  id: string;
  /** i18n key of its name, e.g. 'oauth-github:name'. */
  label: string;
  /** HTML for /login: the feature renders its own partial (ctx.renderView). */
  panel(ctx: Context, next: string): string;
  /** Whether this user can sign in this way today. */
  availableTo(user: User): boolean;
  /** For providers: where a signed-in user starts linking an account of theirs, by a POST with
   * the CSRF token (the profile's form); the feature may ask for a recent sign-in. */
  linkPath?: string;
};
