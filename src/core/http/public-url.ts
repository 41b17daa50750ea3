import type { Context } from 'koa';
import type { Config } from '../config/config.ts';

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d+)?$/i;

// The origin to put in links that leave the site (emails, OAuth redirect URIs): PUBLIC_URL when
// set, never the request's Host header, which the client writes: a forged one would mail a victim
// a sign-in link to another site. Without PUBLIC_URL, production refuses; development builds
// links on loopback (the request's host when it is a loopback name, else localhost).
export function publicOrigin(ctx: Context, config: Config): string {
  if (config.PUBLIC_URL) return new URL(config.PUBLIC_URL).origin;
  if (config.production) {
    throw new Error('PUBLIC_URL must be set in production to build links in emails and sign-in');
  }
  if (LOOPBACK_HOST.test(ctx.host)) return `http://${ctx.host}`;
  return `http://localhost:${ctx.req.socket.localPort}`;
}
