import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readForm, sendJson } from './test-server.ts';

export type ForgeryMode =
  | 'valid'
  | 'bad-nonce'
  | 'forged-signature'
  | 'wrong-audience'
  | 'wrong-issuer';

// A hostile OpenID provider for attack tests: discovery, authorize and token endpoints that work,
// except that the token endpoint returns the ID token the test asks for: valid, with another nonce,
// signed by a key it does not publish, or for another audience or issuer. PKCE is checked, so a
// flow without the verifier fails here too.
export async function startOidcForger({
  clientId = 'forge-client',
  clientSecret = 'forge-secret',
} = {}) {
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let mode: ForgeryMode = 'valid';
  let subject = 'victim';
  let email = 'victim@example.org';
  const codes = new Map<string, { nonce: string; challenge: string }>();
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => sendJson(res, 500, { error: String(error) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function jwt(claims: Record<string, unknown>, key: KeyObject) {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'RS256', kid: 'published', typ: 'JWT' })}.${part(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return sendJson(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') {
      const jwk = published.publicKey.export({ format: 'jwk' });
      return sendJson(res, 200, { keys: [{ ...jwk, kid: 'published', alg: 'RS256', use: 'sig' }] });
    }
    if (url.pathname === '/authorize') {
      const code = randomBytes(12).toString('hex');
      codes.set(code, {
        nonce: url.searchParams.get('nonce') ?? '',
        challenge: url.searchParams.get('code_challenge') ?? '',
      });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { Location: back.href });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = await readForm(req);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url');
      if (!grant || form.get('client_secret') !== clientSecret || verifier !== grant.challenge)
        return sendJson(res, 400, { error: 'invalid_grant' });
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: mode === 'wrong-issuer' ? 'https://evil.example' : issuer,
        sub: subject,
        aud: mode === 'wrong-audience' ? 'another-client' : clientId,
        iat: now,
        exp: now + 300,
        nonce: mode === 'bad-nonce' ? 'attacker-nonce' : grant.nonce,
        email,
        email_verified: true,
      };
      const key = mode === 'forged-signature' ? attacker.privateKey : published.privateKey;
      return sendJson(res, 200, {
        access_token: randomBytes(12).toString('hex'),
        token_type: 'Bearer',
        expires_in: 300,
        id_token: jwt(claims, key),
      });
    }
    return sendJson(res, 404, { error: 'not_found' });
  }

  return {
    issuer,
    clientId,
    clientSecret,
    /** What the next token response carries. */
    set(next: { mode?: ForgeryMode; subject?: string; email?: string }) {
      mode = next.mode ?? mode;
      subject = next.subject ?? subject;
      email = next.email ?? email;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
