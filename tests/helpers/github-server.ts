import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readForm, sendJson } from './test-server.ts';

export type GithubAccount = {
  id: number;
  login: string;
  name: string | null;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
};

// A small OAuth 2 server with GitHub's endpoints and API shapes, on loopback: authorize (it approves
// at once as the account the test chose), access_token (client secret, single-use code, PKCE S256
// verifier and redirect_uri all checked), and the API's /user and /user/emails.
export async function startGithubServer({
  clientId = 'github-test',
  clientSecret = 'github-test-secret',
} = {}) {
  let account: GithubAccount | undefined;
  const codes = new Map<
    string,
    { account: GithubAccount; challenge: string; redirectUri: string }
  >();
  const tokens = new Map<string, GithubAccount>();
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => sendJson(res, 500, { message: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://github.test');
    if (url.pathname === '/login/oauth/authorize') {
      const redirect = url.searchParams.get('redirect_uri') ?? '';
      if (url.searchParams.get('client_id') !== clientId || !account)
        return sendJson(res, 400, { error: 'unknown client or no account' });
      if (url.searchParams.get('code_challenge_method') !== 'S256')
        return sendJson(res, 400, { error: 'PKCE S256 required' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        account,
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri: redirect,
      });
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { Location: back.href });
      return res.end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const form = await readForm(req);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (
        form.get('client_id') !== clientId ||
        form.get('client_secret') !== clientSecret ||
        !grant ||
        grant.redirectUri !== form.get('redirect_uri') ||
        challenge !== grant.challenge
      ) {
        return sendJson(res, 400, { error: 'bad_verification_code' });
      }
      const token = randomBytes(20).toString('hex');
      tokens.set(token, grant.account);
      return sendJson(res, 200, {
        access_token: token,
        token_type: 'bearer',
        scope: 'read:user,user:email',
      });
    }
    const bearer = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''));
    if (!bearer) return sendJson(res, 401, { message: 'Requires authentication' });
    if (url.pathname === '/api/user')
      return sendJson(res, 200, { id: bearer.id, login: bearer.login, name: bearer.name });
    if (url.pathname === '/api/user/emails') return sendJson(res, 200, bearer.emails);
    return sendJson(res, 404, { message: 'Not Found' });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    apiUrl: `${base}/api`,
    clientId,
    clientSecret,
    /** The account the next authorization approves as. */
    signInAs(next: GithubAccount) {
      account = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
