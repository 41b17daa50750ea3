// The README's promise, from a fresh copy of the repository with an older Node first on the PATH
// (as on a new Debian machine, or CI's): `npm install`, then `npm run dev` serves the home page and
// stops cleanly on Ctrl-C. And where no Node 24 can be had, one line says what to do.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireEnv } from '../helpers/env.ts';
import { captureOutput, freePort } from '../helpers/processes.ts';
import { copyProject } from '../helpers/project-copy.ts';

// The first `node` on the PATH older than 24 (the launcher has put Node 24 in front of it).
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const node = join(dir, 'node');
    try {
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      if (Number(version.slice(1).split('.')[0]) < 24) return node;
    } catch {}
  }
  return undefined;
}

const node = olderNode();
const temporary: string[] = [];
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

// The older Node (and its npm) first on the PATH, and no test settings: a newcomer's shell.
function freshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const {
    NODE_TEST_CONTEXT: _context,
    NODE_ENV: _env,
    MONGODB_URL: _mongodb,
    REDIS_URL: _redis,
    ...env
  } = process.env;
  return {
    ...env,
    PATH: [dirname(node as string), process.env.PATH].join(delimiter),
    ...extra,
  };
}

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  // Its own process group, so that the test can press Ctrl-C on all of it as a terminal does.
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureOutput(child);
  const exited = once(child, 'exit').then(([code, signal]) => (signal as string | null) ?? code);
  return { child, exited, output };
}

// Signals a process group; false once none of it is left.
const signalGroup = (pid: number, signal: NodeJS.Signals | 0) => {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
};

describe('a fresh clone with an older Node first on the PATH', {
  skip: !node && 'no Node older than 24 on this machine: nothing to prove here',
  timeout: 600_000,
}, () => {
  test('npm install, then npm run dev serves / and stops cleanly on Ctrl-C', async (t) => {
    const dir = copyProject({ modules: false });
    temporary.push(dir);
    const install = start('npm', ['install', '--no-audit', '--no-fund'], dir, freshEnv());
    // The test's signal aborts when it ends or times out: nothing it started outlives it.
    t.signal.addEventListener('abort', () => signalGroup(install.child.pid as number, 'SIGKILL'));
    assert.equal(await install.exited, 0, install.output());

    const port = await freePort();
    const dev = start(
      'npm',
      ['run', 'dev'],
      dir,
      freshEnv({
        PORT: String(port),
        HOST: '127.0.0.1',
        // mongod cannot be downloaded (as here), on any machine; the running test server stands
        // for the FerretDB that scripts/services.sh would start.
        MONGOMS_DOWNLOAD_URL: 'http://127.0.0.1:9/mongodb.tgz',
        MONGOMS_DOWNLOAD_DIR: mkdtempSync(join(tmpdir(), 'mongoms-')),
        GROUNDWORK_MONGO_PORT: new URL(requireEnv('MONGODB_URL')).port,
      }),
    );
    const pid = dev.child.pid as number;
    t.signal.addEventListener('abort', () => signalGroup(pid, 'SIGKILL'));
    while (!/is running at/.test(dev.output())) {
      if (dev.child.exitCode !== null) assert.fail(dev.output());
      await sleep(100);
    }
    assert.match(dev.output(), /\[node\] Node v\d+\.\S+ found: running on Node 24/);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(home.status, 200);

    signalGroup(pid, 'SIGINT');
    // npm itself ends by the signal, as in a terminal; what it ran stops cleanly, and entirely.
    assert.ok([0, 'SIGINT'].includes(await dev.exited), dev.output());
    while (signalGroup(pid, 0)) await sleep(100);
    assert.match(dev.output(), /"clean":true,"msg":"stopped"/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health/live`));
  });

  test('where no Node 24 can be had: one line with the version found, the one needed and the fix', async () => {
    const run = start(
      node as string,
      ['scripts/node24.js', 'scripts/dev.ts'],
      process.cwd(),
      freshEnv({
        GROUNDWORK_CACHE: mkdtempSync(join(tmpdir(), 'groundwork-cache-')),
        npm_config_registry: 'http://127.0.0.1:9/',
        npm_config_fetch_retries: '0',
      }),
    );
    assert.equal(await run.exited, 1, run.output());
    const lines = run.output().trim().split('\n');
    assert.match(lines[0] ?? '', /fetching it once from the npm registry/);
    assert.equal(lines.length, 2, run.output());
    assert.match(
      lines[1] ?? '',
      /^\[node\] Node 24 is needed \(found v\d+\.\d+\.\d+\) and could not be fetched .*Fix: install Node 24 \(`nvm install 24`/,
    );
  });
});
