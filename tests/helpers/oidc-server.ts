import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { readForm } from './test-server.ts';

export type TestAccount = { email: string; emailVerified: boolean; name: string };

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// A real OpenID Connect provider (the oidc-provider package, certified) on loopback, for tests
// and the browser tests. Its login page asks for an email and whether it is verified; the account
// id is the email, so the same email is the same person across sign-ins. Consent is granted
// without asking. PKCE is required of every client.
export async function startOidcServer({
  port = 0,
  clientId = 'groundwork-test',
  clientSecret = 'test-secret-that-is-long-enough',
  redirectUris = [] as string[],
} = {}) {
  const accounts = new Map<string, TestAccount>();
  const httpServer = createServer();
  httpServer.listen(port, '127.0.0.1');
  await once(httpServer, 'listening');
  const issuer = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clients: Configuration['clients'] = [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ];
  const provider = new Provider(issuer, {
    clients,
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }],
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Google and Microsoft put these claims in the ID token; so does this server.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: account.email,
          email_verified: account.emailVerified,
          name: account.name,
        }),
      };
    },
  });
  // Plain http on loopback: tell the provider not to insist on https cookies.
  provider.proxy = true;
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      const grant = new provider.Grant({
        accountId: String(details.session?.accountId),
        clientId: String(details.params.client_id),
      });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        {
          mergeWithLastSubmission: true,
        },
      );
    }
    if (req.method === 'POST') {
      const form = await readForm(req);
      const email = (form.get('email') ?? '').trim().toLowerCase();
      accounts.set(email, {
        email,
        emailVerified: form.get('verified') === 'on',
        name: form.get('name') || email,
      });
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: email } },
        {
          mergeWithLastSubmission: false,
        },
      );
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><head><title>Test identity provider</title><link rel="icon" href="data:,"></head>
<body><main><h1>Test identity provider</h1>
<form method="post" action="/interaction/${escapeHtml(details.uid)}">
<label>Email <input name="email" type="email" required></label>
<label>Name <input name="name"></label>
<label><input name="verified" type="checkbox" checked> Email verified</label>
<button type="submit">Sign in</button></form></main></body></html>`);
  }

  httpServer.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    callback(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close() {
      httpServer.closeAllConnections();
      return new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
