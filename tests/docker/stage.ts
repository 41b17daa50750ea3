// The stage the Docker suite and the deploy bench share: a local registry, "the host" (sshd on
// loopback) with its deploy folder set up for the images made on this machine, the production
// settings file, and helpers to run the deploy CLI and reach the site through Caddy.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootDir } from '../../src/core/config/paths.ts';
import { prepareDeployFolder, startSshHost } from './host.ts';
import { startRegistry } from './registry.ts';
import { docker, type Ran, run, start } from './run.ts';

export const domain = 'app.test';
export const project = 'groundwork';

/** What every local deploy sets: the test domain, Caddy's own CA, the images made here. */
export function localSettings() {
  return {
    DOMAIN: domain,
    CADDY_TLS: 'tls internal',
    CADDY_IMAGE: process.env.CADDY_IMAGE ?? 'caddy:2',
    MONGO_IMAGE: process.env.MONGO_IMAGE ?? 'mongo:8',
    REDIS_IMAGE: process.env.REDIS_IMAGE ?? 'redis:7',
  };
}

export async function startStage() {
  const registry = await startRegistry();
  const host = await startSshHost();
  const secret = randomBytes(24).toString('hex');
  prepareDeployFolder(host.path, {
    ...localSettings(),
    // Generous for a loaded 2-core CI machine; the never-ready case waits this long.
    DEPLOY_HEALTH_TIMEOUT: '60',
    DEPLOY_CHECK_TIMEOUT: '8',
  });
  const settings = join(host.dir, 'env.production');
  writeFileSync(
    settings,
    [
      `PUBLIC_URL=https://${domain}`,
      `SESSION_SECRET=${secret}`,
      'SMTP_URL=smtp://127.0.0.1:2525',
      'SHUTDOWN_DELAY_MS=1000',
      // In-flight requests (a slow download) get 25 s after SIGTERM, within the 30 s grace period.
      'SHUTDOWN_TIMEOUT_MS=25000',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const caFile = join(host.dir, 'ca.crt');

  const env = (extra: Record<string, string> = {}) => ({
    ...process.env,
    ...host.target,
    DEPLOY_ENV_FILE: settings,
    ...extra,
  });
  const cliArgs = (args: string[]) => [join(rootDir, 'scripts/deploy.ts'), ...args];

  return {
    registry,
    host,
    secret,
    caFile,
    /** `npm run deploy|rollback|deploy:status|db:backup|db:restore`, as a person runs it. */
    cli: (args: string[], extra: Record<string, string> = {}): Ran =>
      run(process.execPath, cliArgs(args), { env: env(extra), check: false }),
    cliInBackground: (args: string[], options: { detached?: boolean } = {}) =>
      start(process.execPath, cliArgs(args), { env: env(), ...options }),
    /**
     * Resolves once no deploy holds the host's lock: a deploy reports as soon as the new version
     * serves and stops the old one in the background, under the lock.
     */
    async idle(ms = 90_000) {
      const lock = join(host.path, '.deploy/lock');
      const deadline = Date.now() + ms;
      while (run('flock', ['-n', lock, 'true'], { check: false }).code !== 0) {
        if (Date.now() > deadline)
          throw new Error(`the host's deploy lock is still held after ${ms} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    /** Caddy's local CA (tls internal), once the stack runs. */
    trustCaddy(): string {
      writeFileSync(
        caFile,
        run(docker, [
          'exec',
          `${project}-caddy-1`,
          'cat',
          '/data/caddy/pki/authorities/local/root.crt',
        ]).stdout,
      );
      return readFileSync(caFile, 'utf8');
    },
    curl: (path: string, extra: string[] = []) =>
      run(
        'curl',
        [
          '-sS',
          '--cacert',
          caFile,
          '--resolve',
          `${domain}:443:127.0.0.1`,
          ...extra,
          `https://${domain}${path}`,
        ],
        { check: false },
      ),
    /** Stops what the stage started; `compose: false` where no Compose project ran (Swarm). */
    async teardown({ compose = true } = {}) {
      // From the deploy folder: Compose reads its .env there and resolves COMPOSE_FILE's paths
      // from the working directory. Fails loudly (after the rest of the cleanup): volumes left
      // behind would be the next run's data.
      const down = compose
        ? run(docker, ['compose', '--profile', 'release', 'down', '-v', '-t', '1'], {
            cwd: host.path,
            check: false,
          })
        : { code: 0, stderr: '' };
      const left = run(
        docker,
        ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`],
        {
          check: false,
        },
      ).stdout.trim();
      if (left) run(docker, ['rm', '-f', ...left.split('\n')], { check: false });
      // The host's kept releases and the tags pushed to this run's registry (its port is new each
      // run, so they would pile up).
      const images = run(
        docker,
        [
          'images',
          '--format',
          '{{.Repository}}:{{.Tag}}',
          '--filter',
          `reference=${project}-release`,
          '--filter',
          `reference=${registry.address}/*`,
        ],
        { check: false },
      ).stdout.trim();
      if (images) run(docker, ['rmi', ...images.split('\n')], { check: false });
      await host.stop();
      await registry.close();
      if (down.code !== 0) throw new Error(`docker compose down failed:\n${down.stderr}`);
    },
  };
}

export type Stage = Awaited<ReturnType<typeof startStage>>;

/** The version the site reports at /health (through Caddy). */
export function servingVersion(stage: Stage): string | undefined {
  try {
    return JSON.parse(stage.curl('/health').stdout).version;
  } catch {
    return undefined;
  }
}
