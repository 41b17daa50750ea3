import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';
import { project } from '../../src/project.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import { request } from '../helpers/http.ts';

function freePort() {
  return new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function startDev(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['scripts/dev.ts'], {
    cwd: rootDir,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, output: () => output };
}

describe('npm run dev', () => {
  test('without MONGODB_URL and no MongoDB to download, it names the alternatives', async () => {
    const dev = startDev({
      MONGODB_URL: undefined,
      // A download address where nothing listens, and an empty binary cache: the download fails
      // at once, on any machine.
      MONGOMS_DOWNLOAD_URL: 'http://127.0.0.1:9/mongodb.tgz',
      MONGOMS_DOWNLOAD_DIR: mkdtempSync(join(tmpdir(), 'mongoms-')),
      MONGOMS_SYSTEM_BINARY: undefined,
    });
    const timer = setTimeout(() => dev.child.kill('SIGKILL'), 60_000);
    assert.equal(await dev.exited, 1, dev.output());
    clearTimeout(timer);
    const output = dev.output();
    assert.match(output, /Could not start a local MongoDB/);
    assert.ok(
      output.includes(`MONGODB_URL=mongodb://HOST:27017/${project.slug} in .env.local`),
      output,
    );
    assert.match(output, /docker compose up -d mongo/);
    assert.match(output, /MONGOMS_SYSTEM_BINARY/);
  });

  test('with MONGODB_URL, it builds, serves the app in development mode and stops on Ctrl-C', async () => {
    const port = await freePort();
    const dev = startDev({
      MONGODB_URL: withDatabase(requireEnv('MONGODB_URL'), 'test_dev'),
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: undefined,
    });
    const timer = setTimeout(() => dev.child.kill('SIGKILL'), 60_000);
    while (!/listening on/.test(dev.output())) {
      if (dev.child.exitCode !== null) assert.fail(dev.output());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const home = await request(`http://127.0.0.1:${port}/`);
    assert.equal(home.status, 200);
    assert.match(home.text, /href="\/debug\/info"/, 'development mode shows the debug links');
    dev.child.kill('SIGINT');
    assert.equal(await dev.exited, 0, dev.output());
    clearTimeout(timer);
    await assert.rejects(request(`http://127.0.0.1:${port}/health/live`), /ECONNREFUSED/);
  });
});
