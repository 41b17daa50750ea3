// Rehearses the Docker image's build without Docker: the build stage (npm ci + npm run build:assets) in a
// clean copy of the repository, then the runtime stage (only the files the Dockerfile's final
// stage copies, npm ci --omit=dev) in a second clean folder, and starts the production server
// there. It catches what a working checkout hides: a runtime import of a dev dependency, a file
// the image does not copy, a build output the server cannot find, a shutdown that does not exit 0.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, globSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { productionEmail } from '../helpers/production-env.ts';
import { copies, readDockerfile, root, type Stage, workdir } from './dockerfile.ts';

const temporary: string[] = [];
let server: ChildProcess | undefined;

after(() => {
  server?.kill('SIGKILL');
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

// Children get a clean environment: an inherited NODE_ENV=production would drop dev dependencies
// from the build stage, and NODE_TEST_CONTEXT would turn child node processes into test runs.
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_ENV: _env, NODE_TEST_CONTEXT: _context, ...env } = process.env;
  return { ...env, ...extra };
}

// npm states the cause first and the log path last; keep both ends of a long report.
function shorten(text: string): string {
  return text.length <= 5000 ? text : `${text.slice(0, 3000)}\n[...]\n${text.slice(-2000)}`;
}

// A lockfile written where the registry lacks other platforms' builds (or by an old npm) misses
// their optional packages; npm install tolerates that, npm ci (and so docker build) does not.
const lockfileHint =
  'package-lock.json does not match package.json. If the missing entries are optional ' +
  'packages for other platforms, regenerate it with `npm install` against the full public ' +
  'registry: the Docker build and GitHub CI run `npm ci` and fail the same way.';

function npm(cwd: string, args: string[], env: Record<string, string> = {}): void {
  const result = spawnSync('npm', args, { cwd, env: childEnv(env), encoding: 'utf8' });
  const output = `${result.stderr}\n${result.stdout}`;
  const hint = output.includes('can only install packages when your package.json and package-lock')
    ? `\n${lockfileHint}`
    : '';
  assert.equal(
    result.status,
    0,
    `npm ${args.join(' ')} failed in ${cwd}:\n${shorten(output)}${hint}`,
  );
}

// The Docker build context: tracked files plus untracked ones git does not ignore.
function copyContext(to: string): void {
  const listing = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
  });
  for (const file of listing.split('\0').filter(Boolean)) {
    const from = join(root, file);
    if (!statSync(from, { throwIfNoEntry: false })?.isFile()) continue; // deleted, not yet staged
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(from, join(to, file));
  }
}

// Replays the final stage's COPY instructions, so this test copies exactly what the image has.
function copyRuntimeFiles(stages: Stage[], context: string, to: string): void {
  const runtime = stages.at(-1) as Stage;
  const runtimeDir = workdir(runtime);
  for (const copy of copies(runtime)) {
    let sources = copy.sources;
    if (copy.from) {
      const stage = stages.find((s) => s.name === copy.from);
      assert.ok(stage?.name === 'build', `line ${copy.line}: only --from=build is rehearsed`);
      // The build stage ran in `context` too, which stands for its WORKDIR.
      sources = sources.map((s) => posix.relative(workdir(stage), s));
    }
    const matches = sources.flatMap((pattern) => globSync(pattern, { cwd: context }));
    assert.ok(
      matches.length > 0,
      `line ${copy.line}: COPY ${copy.sources.join(' ')} matches nothing`,
    );
    const dest = join(to, posix.relative(runtimeDir, posix.resolve(runtimeDir, copy.dest)));
    for (const match of matches) {
      const from = join(context, match);
      if (statSync(from).isDirectory()) cpSync(from, dest, { recursive: true });
      else {
        const target = copy.dest.endsWith('/') ? join(dest, basename(match)) : dest;
        mkdirSync(dirname(target), { recursive: true });
        cpSync(from, target);
      }
    }
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline && child.exitCode === null) {
    status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return status;
    await sleep(250);
  }
  return status;
}

test('the production image installs, starts, becomes ready and stops cleanly', {
  timeout: 15 * 60_000,
}, async (t) => {
  const mongodbUrl = process.env.MONGODB_URL;
  const redisUrl = process.env.REDIS_URL;
  assert.ok(
    mongodbUrl && redisUrl,
    'MONGODB_URL or REDIS_URL is not set: run `eval "$(scripts/services.sh env)"` first',
  );
  const stages = readDockerfile();

  const context = tempDir('groundwork-build-');
  copyContext(context);
  npm(context, ['ci', '--no-audit', '--no-fund', '--prefer-offline']);
  npm(context, ['run', 'build:assets']);
  t.diagnostic(`build stage done in ${context}`);

  const app = tempDir('groundwork-runtime-');
  copyRuntimeFiles(stages, context, app);
  npm(app, ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    NODE_ENV: 'production',
  });
  t.diagnostic(`runtime stage done in ${app}`);

  const port = await freePort();
  let output = '';
  server = spawn(process.execPath, ['src/server.ts'], {
    cwd: app,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      // Its own database, so the rehearsal never touches the other tests' data.
      MONGODB_URL: mongodbUrl.replace(
        /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/,
        '$1/groundwork_production_rehearsal',
      ),
      // Production needs Redis while the job queue is enabled, and more while sign-in links are.
      REDIS_URL: redisUrl,
      ...productionEmail,
    },
  });
  server.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  server.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    server?.once('exit', (code, signal) => resolve([code, signal])),
  );

  const status = await waitForReady(`http://127.0.0.1:${port}/health/ready`, server, 20_000);
  assert.equal(server.exitCode, null, `the server exited early. Server output:\n${output}`);
  assert.equal(
    status,
    200,
    `/health/ready did not return 200 within 20s. Server output:\n${output}`,
  );

  server.kill('SIGTERM');
  const result = await Promise.race([exited, sleep(20_000, 'timeout' as const, { ref: false })]);
  assert.notEqual(result, 'timeout', `no exit 20s after SIGTERM. Server output:\n${output}`);
  assert.deepEqual(result, [0, null], `SIGTERM should exit with code 0. Server output:\n${output}`);
});
