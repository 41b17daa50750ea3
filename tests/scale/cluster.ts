// Several app and worker processes on loopback behind one Caddy, as a load-balanced deployment
// runs them: the scale-out tests (tests/scale/) send every request through Caddy and read which
// process answered from the X-Served-By header Caddy adds.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rootDir } from '../../src/core/config/paths.ts';
import { request } from '../helpers/http.ts';
import { captureOutput, freePort } from '../helpers/processes.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/** The Caddy the Docker suite uses, built from the Go module proxy once and cached. */
export function caddyBinary() {
  return execFileSync('bash', [join(rootDir, 'scripts/docker.sh'), 'caddy'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

// Round robin, so that consecutive requests alternate between the processes. Caddy trusts the
// X-Forwarded-For of its loopback clients, so that each test client can be its own address for
// the per-IP limits (the app counts 2 proxy hops).
const caddyfile = (port: number, upstreams: string[]) => `{
	admin off
	auto_https off
	persist_config off
	servers {
		trusted_proxies static 127.0.0.1/32
	}
}

http://127.0.0.1:${port} {
	reverse_proxy ${upstreams.join(' ')} {
		lb_policy round_robin
		header_down X-Served-By {http.reverse_proxy.upstream.hostport}
	}
}
`;

export type Balancer = { baseUrl: string; close(): Promise<void> };

export async function startCaddy(upstreams: string[]): Promise<Balancer> {
  const binary = caddyBinary();
  const dir = mkdtempSync(join(tmpdir(), 'groundwork-caddy-'));
  const port = await freePort();
  const config = join(dir, 'Caddyfile');
  writeFileSync(
    config,
    caddyfile(
      port,
      upstreams.map((url) => new URL(url).host),
    ),
  );
  const child = spawn(binary, ['run', '--config', config, '--adapter', 'caddyfile'], {
    env: { ...process.env, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureOutput(child);
  const exited = once(child, 'close');
  const baseUrl = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await request(`${baseUrl}/health/live`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) return { baseUrl, close };
    await sleep(100);
  }
  await close();
  throw new Error(`Caddy did not start:\n${output()}`);
}

/** Starts `count` processes of `entry` side by side with the same settings. */
export function startProcesses(count: number, entry: string, env: Record<string, string>) {
  return Promise.all(Array.from({ length: count }, () => startServerProcess(env, { entry })));
}

/** SIGTERM to each process; resolves with their exit codes. */
export function stopProcesses(processes: ServerProcess[]) {
  return Promise.all(
    processes.map((process) => {
      process.child.kill('SIGTERM');
      return process.exited;
    }),
  );
}
