// Runs the host script (deploy/host.sh, or deploy/swarm/swarm.sh on a Swarm manager) over SSH:
// pinned host key from the settings (never learnt at deploy time), no agent or port forwarding,
// the production settings sent over stdin and never on a command line. Standard input stays open
// while the host works: the host stops, cleans up and releases its lock when the connection dies
// (docs/decisions/0051).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootDir } from '../../src/core/config/paths.ts';
import { imageRepository, type Target, TargetError, versionOf } from './target.ts';

/** The files each deploy uploads, as [path in this repository, path on the host]. */
export const bundle = [
  ['compose.prod.yml', 'compose.prod.yml'],
  ['deploy/host.sh', 'host.sh'],
  ['deploy/caddy/Caddyfile', 'caddy/Caddyfile'],
] as const;

/** Where a deploy goes: one Docker host (host.sh), or a Swarm manager (docs/decisions/0142). */
export type Platform = 'host' | 'swarm';
export const platforms: Platform[] = ['host', 'swarm'];

const deployments: Record<
  Platform,
  { script: string; files: ReadonlyArray<readonly [string, string]> }
> = {
  host: { script: 'host.sh', files: bundle },
  swarm: {
    script: 'swarm.sh',
    files: [
      ['deploy/swarm/stack.yml', 'stack.yml'],
      ['deploy/swarm/stack.single-node.yml', 'stack.single-node.yml'],
      ['deploy/swarm/upstream.caddy', 'upstream.caddy'],
      ['deploy/swarm/swarm.sh', 'swarm.sh'],
      ['deploy/caddy/Caddyfile', 'caddy/Caddyfile'],
    ],
  },
};

/** The platform named by --target or the workflow's target input (default: one host). */
export function platformOf(name: string | undefined): Platform {
  if (!name) return 'host';
  if ((platforms as string[]).includes(name)) return name as Platform;
  throw new TargetError(`--target must be ${platforms.join(' or ')}, not "${name}"`);
}

export type Outcome = {
  code: number;
  /** The host's `result:` line, parsed: action, version, outcome, seconds. */
  result?: Record<string, string>;
};

/** The host script's arguments (a deploy's image defaults to compose.prod.yml's image:<version>). */
export function hostCommand(
  action: 'deploy' | 'rollback' | 'status' | 'backup' | 'restore',
  version?: string,
  image?: string,
  platform: Platform = 'host',
): string[] {
  if (platform === 'swarm' && (action === 'backup' || action === 'restore'))
    throw new TargetError(
      'Backups on Swarm: MongoDB runs outside the stack; back it up where it runs.',
    );
  if (action === 'status' || action === 'backup') return [action];
  if (action === 'restore') {
    if (!version || !/^[A-Za-z0-9._-]+\.bson\.gz$/.test(version))
      throw new TargetError(
        'Which backup? npm run db:restore -- <name>.bson.gz (npm run deploy:status lists them)',
      );
    return ['restore', version];
  }
  if (action === 'rollback') return ['rollback', ...(version ? [versionOf(version)] : [])];
  if (!version) throw new TargetError('Which version? e.g. 1.2.0');
  const v = versionOf(version);
  if (image !== undefined && !/^[a-z0-9][a-z0-9._/:@-]*$/.test(image))
    throw new TargetError(
      `"${image}" is not an image reference (registry/name@sha256:... or :tag)`,
    );
  return ['deploy', v, image ?? `${imageRepository()}:${v}`];
}

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

export class Ssh {
  private readonly target: Target;
  private readonly dir: string;
  private readonly options: string[];

  private readonly deployment: (typeof deployments)[Platform];

  constructor(target: Target, platform: Platform = 'host') {
    this.target = target;
    this.deployment = deployments[platform];
    this.dir = mkdtempSync(join(tmpdir(), 'deploy-ssh-'));
    const knownHosts = join(this.dir, 'known_hosts');
    writeFileSync(knownHosts, `${target.DEPLOY_KNOWN_HOSTS.trim()}\n`, { mode: 0o600 });
    this.options = [
      ...['-p', String(target.DEPLOY_PORT)],
      ...['-o', 'BatchMode=yes'],
      ...['-o', 'StrictHostKeyChecking=yes'],
      ...['-o', `UserKnownHostsFile=${knownHosts}`],
      ...['-o', 'GlobalKnownHostsFile=/dev/null'],
      ...['-o', 'ForwardAgent=no'],
      ...['-o', 'ForwardX11=no'],
      ...['-o', 'ClearAllForwardings=yes'],
      ...['-o', 'ServerAliveInterval=15'],
      ...['-o', 'ServerAliveCountMax=4'],
      ...(target.DEPLOY_SSH_KEY ? ['-o', 'IdentitiesOnly=yes', '-i', target.DEPLOY_SSH_KEY] : []),
    ];
  }

  close() {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Copies the bundle to DEPLOY_PATH (created when missing). */
  async upload(root = rootDir): Promise<void> {
    const path = this.target.DEPLOY_PATH;
    const { files, script } = this.deployment;
    const tar = spawn('tar', ['-c', '-f', '-', ...files.map(([from]) => from)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Files land under deploy/ in the archive; the host keeps them flat next to compose.prod.yml.
    const remote = [
      `mkdir -p ${quote(`${path}/caddy`)}`,
      `cd ${quote(path)}`,
      'tmp=$(mktemp -d .upload.XXXXXX)',
      'tar -x -f - -C "$tmp"',
      ...files.map(([from, to]) => `mv -f "$tmp"/${quote(from)} ${quote(to)}`),
      `chmod 755 ${script}`,
      'rm -rf "$tmp"',
    ].join(' && ');
    const ssh = spawn('ssh', [...this.options, this.target.DEPLOY_HOST, remote], {
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    tar.stdout.pipe(ssh.stdin);
    const [tarCode, sshCode] = await Promise.all([exitCode(tar), exitCode(ssh)]);
    if (tarCode !== 0 || sshCode !== 0)
      throw new Error(`uploading the deploy files to ${this.target.DEPLOY_HOST}:${path} failed`);
  }

  /**
   * Runs `host.sh --remote <args>` and streams its output; `settings` (the .env.production text)
   * goes over stdin.
   */
  run(
    args: string[],
    {
      settings = '',
      stdout = process.stdout,
      stderr = process.stderr,
    }: { settings?: string; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
  ): Promise<Outcome> {
    const command = [`${this.target.DEPLOY_PATH}/${this.deployment.script}`, '--remote', ...args]
      .map(quote)
      .join(' ');
    const ssh = spawn('ssh', [...this.options, this.target.DEPLOY_HOST, command], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    ssh.stdin.on('error', () => {}); // the host may exit before reading everything
    ssh.stdin.write(`${Buffer.byteLength(settings)}\n${settings}`);
    let result: Record<string, string> | undefined;
    let pending = '';
    ssh.stdout.on('data', (chunk: Buffer) => {
      stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('result: ')) {
          result = Object.fromEntries(
            line
              .slice('result: '.length)
              .split(' ')
              .map((pair) => pair.split('=', 2) as [string, string]),
          );
        }
      }
    });
    ssh.stderr.on('data', (chunk: Buffer) => stderr.write(chunk));
    return exitCode(ssh).then((code) => {
      ssh.stdin.end();
      return { code, result };
    });
  }
}

/** The settings file's text, when DEPLOY_ENV_FILE names one. */
export function readSettings(target: Target): string {
  return target.DEPLOY_ENV_FILE ? readFileSync(target.DEPLOY_ENV_FILE, 'utf8') : '';
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
