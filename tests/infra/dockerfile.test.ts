// Static checks of the Dockerfile: the properties a reviewer looks for, checked on every run.
// They read the file only. `docker build` needs a Docker engine, which is not available everywhere
// the tests run, so the real check (build the image, start it against MongoDB, wait for
// /health/ready, stop it with SIGTERM) is the `docker` job in .github/workflows/ci.yml, and
// production-install.test.ts rehearses the same install steps without Docker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import packageJson from '../../package.json' with { type: 'json' };
import {
  copies,
  type Instruction,
  instructions,
  parseDockerfile,
  readDockerfile,
  root,
} from './dockerfile.ts';

const stages = readDockerfile();
const runtime = stages.at(-1);
assert.ok(runtime, 'Dockerfile has no FROM');
const runs = instructions(runtime, 'RUN').map((i) => i.args);

const only = (keyword: string): Instruction => {
  const found = instructions(runtime, keyword);
  assert.equal(
    found.length,
    1,
    `expected one ${keyword} in the final stage, found ${found.length}`,
  );
  return found[0] as Instruction;
};

test('every stage starts from node:24-slim (or an earlier stage)', () => {
  const names = new Set<string>();
  for (const stage of stages) {
    assert.match(
      names.has(stage.image) ? 'node:24-slim' : stage.image,
      /^node:24-slim(@sha256:[0-9a-f]{64})?$/,
      `FROM ${stage.image}`,
    );
    if (stage.name) names.add(stage.name);
  }
});

test('the build stage installs everything and builds the assets', () => {
  const build = stages.find((s) => s.name === 'build');
  assert.ok(build, 'no stage named "build" (compose.yml targets it)');
  const buildRuns = instructions(build, 'RUN').map((i) => i.args);
  assert.ok(
    buildRuns.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev')),
    'the build stage needs `npm ci` with dev dependencies (the asset build uses them)',
  );
  assert.ok(
    buildRuns.some((r) => /\bnpm run build:assets\b/.test(r)),
    'no `npm run build:assets` in the build stage (`npm run build` would also try to build the image)',
  );
});

test('the final stage installs production dependencies only, with a cache mount', () => {
  const install = runs.find((r) => /\bnpm ci\b/.test(r));
  assert.ok(install, 'no `npm ci` in the final stage');
  assert.match(install, /--omit=dev/);
  assert.match(install, /--mount=type=cache/);
  assert.ok(!runs.some((r) => /\bnpm (install|i)\b/.test(r)), 'npm install ignores the lockfile');
});

test('the final stage copies what the server reads at runtime', () => {
  const copied = copies(runtime);
  const dests = copied.map((c) => c.dest.replace(/^\.\//, '').replace(/\/$/, ''));
  for (const dir of ['src', 'views', 'locales']) assert.ok(dests.includes(dir), `no COPY ${dir}`);
  const assets = copied.find((c) => c.from === 'build' && c.sources.includes('/app/public'));
  assert.ok(assets, 'public/ (with public/build) must come from the build stage');
  assert.ok(
    copied.some((c) => c.sources.includes('package.json')),
    'package.json (type: module) is needed at runtime',
  );
});

test('the final stage runs in production as a non-root user', () => {
  assert.ok(
    instructions(runtime, 'ENV').some((e) => /\bNODE_ENV[= ]production\b/.test(e.args)),
    'ENV NODE_ENV=production missing',
  );
  const user = instructions(runtime, 'USER').at(-1)?.args;
  assert.ok(user, 'no USER in the final stage: the container would run as root');
  assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user} is root`);
});

test('the container is started, probed and stopped the way the server expects', () => {
  assert.deepEqual(
    JSON.parse(only('CMD').args),
    packageJson.scripts.start.split(' '),
    'CMD must be exec form (node is PID 1 and receives SIGTERM) and the same command as npm start',
  );
  assert.equal(instructions(runtime, 'ENTRYPOINT').length, 0, 'an ENTRYPOINT would wrap node');
  assert.equal(only('STOPSIGNAL').args, 'SIGTERM');
  assert.match(only('EXPOSE').args, /^3000(\/tcp)?$/);
  const healthcheck = only('HEALTHCHECK').args;
  assert.match(healthcheck, /\bCMD \[/, 'HEALTHCHECK must use exec form (no shell in the check)');
  assert.match(healthcheck, /fetch\(.*\/health\/live/);
});

test('the image carries a compile cache made by the start command, as the user it runs as', () => {
  const users = instructions(runtime, 'USER');
  const warm = instructions(runtime, 'RUN').find((i) => i.args.includes('compile-cache.js'));
  assert.ok(warm, 'no RUN that fills the compile cache');
  assert.ok(
    warm.args.includes(`${packageJson.scripts.start} `),
    'the cache is made by the start command: other V8 flags would make another cache',
  );
  assert.ok((users.at(-1)?.line ?? 0) < warm.line, 'the cache is written by the runtime user');
});

test('.dockerignore keeps secrets and host builds out, and the sources in', () => {
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const entry of ['node_modules', '.git', '.env', 'public/build']) {
    assert.ok(ignored.includes(entry), `.dockerignore should list ${entry}`);
  }
  for (const needed of ['src', 'views', 'locales', 'assets', 'package.json', 'package-lock.json']) {
    assert.ok(!ignored.includes(needed), `.dockerignore must not exclude ${needed}`);
  }
});

test('security review 14: files with secrets can be neither committed nor baked into the image', () => {
  const secretFiles = ['.env', '.env.local', '.env.production', '.env.deploy', '.env.staging'];
  // git check-ignore prints the paths it ignores (--no-index: whether or not they exist).
  const checked = spawnSync('git', ['check-ignore', '--no-index', ...secretFiles, '.env.example'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.deepEqual(checked.stdout.trim().split('\n'), secretFiles, checked.stderr);
  const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['.env', '.env.*']) assert.ok(dockerignore.includes(entry), entry);
  // config.yml is committed and copied into the image, so it refuses secrets (tests/unit/config.test.ts).
});

test('the parser reads continuations, comments and stages', () => {
  const parsed = parseDockerfile(
    '# syntax=docker/dockerfile:1\nFROM node:24-slim AS a\nRUN one \\\n  # note\n  two\nFROM a\nUSER node\n',
  );
  assert.deepEqual(
    parsed.map((s) => [
      s.image,
      s.name,
      s.instructions.map((i) => `${i.line} ${i.keyword} ${i.args}`),
    ]),
    [
      ['node:24-slim', 'a', ['2 FROM node:24-slim AS a', '3 RUN one two']],
      ['a', undefined, ['6 FROM a', '7 USER node']],
    ],
  );
});
