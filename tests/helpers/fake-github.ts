import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ApiRequest = { method: string; path: string; body: unknown };
export type Handler = (request: ApiRequest) => [status: number, body?: unknown] | undefined;

/** The token the scripts under test get as GITHUB_TOKEN; the stand-in API accepts no other. */
export const testToken = 'test-token';

/**
 * A loopback HTTP server standing in for the GitHub REST API: each request goes to `handle`,
 * which answers [status, json] (undefined means 404), and is recorded for the assertions. As
 * GitHub does, it answers 401 to a request without the token (`Authorization: token ...` or
 * `Bearer ...`), before `handle` sees it: a script that lost its token fails here too.
 */
export async function startFakeGitHub(handle: Handler) {
  const requests: ApiRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      body: text ? JSON.parse(text) : undefined,
    };
    requests.push(request);
    const authorized = new RegExp(`^(token|bearer) ${testToken}$`, 'i').test(
      req.headers.authorization ?? '',
    );
    const [status, body] = authorized
      ? (handle(request) ?? [404, { message: 'Not Found' }])
      : [401, { message: 'Bad credentials' }];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** Requests that would change something on GitHub. */
    writes: () => requests.filter((r) => r.method !== 'GET'),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
