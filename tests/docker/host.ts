// "The host" of the end-to-end suite: an sshd on loopback with a throwaway host key and client key,
// and a deploy folder whose .env points Compose at the images made on this machine. The deploy
// commands reach it exactly as they reach a server: over SSH, with its host key pinned.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run, startServer } from './run.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor(what: string, check: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${ms} ms`);
}

export type SshHost = Awaited<ReturnType<typeof startSshHost>>;

export async function startSshHost() {
  const dir = mkdtempSync('/tmp/gw-host-');
  chmodSync(dir, 0o700);
  const key = (name: string) => {
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
    return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
  };
  const hostKey = key('host_key');
  const otherHostKey = key('other_host_key');
  writeFileSync(join(dir, 'authorized_keys'), `${key('client_key')}\n`, { mode: 0o600 });
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowAgentForwarding no',
      'AllowTcpForwarding no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const sshd = startServer(
    '/usr/sbin/sshd',
    ['-D', '-e', '-f', join(dir, 'sshd_config')],
    join(dir, 'sshd.log'),
  );
  await waitFor('sshd', () => {
    const probe = run('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { check: false });
    return probe.code === 0;
  });
  const path = join(dir, 'app');
  mkdirSync(path);
  const knownHosts = (pub: string) => `[127.0.0.1]:${port} ${pub.split(' ').slice(0, 2).join(' ')}`;
  return {
    dir,
    path,
    port,
    /** The settings the deploy commands read (DEPLOY_*), for this host. */
    target: {
      DEPLOY_HOST: 'root@127.0.0.1',
      DEPLOY_PORT: String(port),
      DEPLOY_PATH: path,
      DEPLOY_SSH_KEY: join(dir, 'client_key'),
      DEPLOY_KNOWN_HOSTS: knownHosts(hostKey),
    },
    /** A known_hosts line with another key: what a man in the middle would present. */
    wrongKnownHosts: knownHosts(otherHostKey),
    /** Stops sshd, then removes its folder (sshd writes its log there until it has exited). */
    async stop() {
      sshd.child.kill();
      await sshd.done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes the host's .env (Compose's and the deploy script's settings) and the local override. */
export function prepareDeployFolder(path: string, settings: Record<string, string>) {
  copyFileSync(new URL('compose.local.yml', import.meta.url), join(path, 'compose.local.yml'));
  writeDeployEnv(path, { COMPOSE_FILE: 'compose.prod.yml:compose.local.yml', ...settings });
}

/** The deploy folder's `.env`, which the host scripts read their settings from. */
export function writeDeployEnv(path: string, settings: Record<string, string>) {
  const lines = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  writeFileSync(join(path, '.env'), `${lines.join('\n')}\n`);
}
