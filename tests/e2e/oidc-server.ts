// The local OpenID Connect provider the browser tests sign in with (started by playwright.config.ts
// next to the app): tests/helpers/oidc-server.ts on OIDC_PORT, accepting APP_ORIGIN's callbacks.
import { startOidcServer } from '../helpers/oidc-server.ts';

const port = Number(process.env.OIDC_PORT);
const appOrigin = process.env.APP_ORIGIN ?? '';
const server = await startOidcServer({
  port,
  clientId: 'groundwork-e2e',
  clientSecret: 'groundwork-e2e-secret',
  redirectUris: ['google', 'microsoft'].map((id) => `${appOrigin}/auth/callback/${id}`),
});
console.log(`OIDC test server at ${server.issuer}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close().then(() => process.exit(0)));
}
