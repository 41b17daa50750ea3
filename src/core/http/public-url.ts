import type { Context } from 'koa';
import type { Config } from '../config/config.ts';

// The origin to put in links that leave the site (emails, OAuth redirect URIs). PUBLIC_URL when
// set. Without it, development uses the request's own host; production refuses, because the Host
// header comes from the client: a forged one would send a victim's sign-in link to another site.
export function publicOrigin(ctx: Context, config: Config): string {
  if (config.PUBLIC_URL) return new URL(config.PUBLIC_URL).origin;
  if (config.NODE_ENV === 'production') {
    throw new Error('PUBLIC_URL must be set in production to build links in emails and sign-in');
  }
  return `${ctx.protocol}://${ctx.host}`;
}
