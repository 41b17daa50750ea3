// `npm run test:docker`: the Docker end-to-end suite (tests/docker/*.suite.ts): deploy, switch
// under load, failures, rollback, lock, host key, backups. It installs what it needs first
// (scripts/docker.sh: Docker engine, Compose, Caddy, local base images; cached, progress shown),
// starts dockerd when it is not running, and stops what it started at the end. Not part of
// `npm test` (it takes minutes); .ci/run runs both.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { globSync } from 'node:fs';
import { join } from 'node:path';
import { rootDir } from '../src/core/config/paths.ts';

const script = join(rootDir, 'scripts/docker.sh');
const bash = (...args: string[]) =>
  spawnSync('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const docker = process.env.GROUNDWORK_DOCKER ?? '/usr/bin/docker';
const wasRunning = spawnSync(docker, ['info'], { stdio: 'ignore' }).status === 0;
for (const step of ['install', 'start', 'env']) {
  const ran = bash(step);
  if (ran.status !== 0) {
    console.error(`scripts/docker.sh ${step} failed (see above)`);
    process.exit(2);
  }
  for (const [, name, value] of ran.stdout.matchAll(/^export (\w+)="(.*)"$/gm)) {
    if (name && value !== undefined) process.env[name] = value;
  }
}

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : globSync('tests/docker/*.suite.ts', { cwd: rootDir });
const suite = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { cwd: rootDir, stdio: 'inherit' },
);
// Interrupted (Ctrl-C, a CI timeout), the suite stops and tears down first; dockerd stops after it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => suite.kill(signal));
const [code] = (await once(suite, 'close')) as [number | null];
if (!wasRunning) bash('stop');
process.exit(code ?? 1);
