// A bounded load loop through Caddy: a few clients request the site back to back over HTTPS until
// stopped or a limit is hit, and count what failed (an error or a 5xx answer).
import { Agent, request } from 'node:https';

export type LoadResult = { ok: number; failed: number; retried: number; errors: string[] };

export function startLoad({
  domain,
  ca,
  address = '127.0.0.1',
  paths = ['/', '/health/ready'],
  clients = 4,
  maxRequests = 20_000,
  maxMs = 120_000,
}: {
  domain: string;
  ca: string;
  address?: string;
  paths?: string[];
  clients?: number;
  maxRequests?: number;
  maxMs?: number;
}) {
  const agent = new Agent({ keepAlive: true, ca, servername: domain });
  const result: LoadResult = { ok: 0, failed: 0, retried: 0, errors: [] };
  const deadline = Date.now() + maxMs;
  let stopped = false;
  // A keep-alive connection the server closes (Caddy does on every reload) can meet a request sent
  // at that instant; like browsers (RFC 9112 section 9.3.1, and Node's docs on reusedSocket), the
  // client then sends the idempotent request once more on a new connection. Those are counted.
  const once = (path: string, retry = true): Promise<void> =>
    new Promise<void>((resolve) => {
      const req = request(
        { host: address, port: 443, path, agent, headers: { host: domain }, timeout: 30_000 },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 500) {
              result.failed++;
              result.errors.push(`${path}: HTTP ${res.statusCode}`);
            } else result.ok++;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => {
        if (retry && req.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
          result.retried++;
          resolve(once(path, false));
          return;
        }
        result.failed++;
        result.errors.push(`${path}: ${error.message}`);
        resolve();
      });
      req.end();
    });
  const client = async (index: number) => {
    for (let i = index; !stopped && Date.now() < deadline; i++) {
      if (result.ok + result.failed >= maxRequests) break;
      await once(paths[i % paths.length] as string);
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  return {
    result,
    async stop(): Promise<LoadResult> {
      stopped = true;
      await running;
      agent.destroy();
      return result;
    },
  };
}
