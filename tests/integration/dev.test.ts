import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chromium } from '@playwright/test';
import { project } from '../../src/project.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import { request } from '../helpers/http.ts';
import { captureOutput, freePort } from '../helpers/processes.ts';
import { copyProject } from '../helpers/project-copy.ts';

// A copy of the project: dev rebuilds public/build and watches the files, which must not disturb
// the tests that run beside this one in the checkout.
const copy = copyProject();
after(() => rmSync(copy, { recursive: true, force: true }));

function startDev(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['scripts/dev.ts'], {
    cwd: copy,
    env: { ...process.env, LOG_LEVEL: 'info', WORKER_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = captureOutput(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  // Kills it when a test fails before stopping it (the test's timeout stops the wait).
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  exited.then(() => clearTimeout(timer));
  const until = async (pattern: RegExp) => {
    while (!pattern.test(output())) {
      if (child.exitCode !== null) assert.fail(`npm run dev exited:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, exited, output, until };
}

// mongodb-memory-server with a download address where nothing listens and an empty binary
// cache: mongod cannot be had, at once, on any machine.
const noMongod = () => ({
  MONGODB_URL: undefined,
  MONGOMS_DOWNLOAD_URL: 'http://127.0.0.1:9/mongodb.tgz',
  MONGOMS_DOWNLOAD_DIR: mkdtempSync(join(tmpdir(), 'mongoms-')),
  MONGOMS_SYSTEM_BINARY: undefined,
});

// Resolves with the first server id the live-reload stream sends.
async function serverId(baseUrl: string) {
  const response = await fetch(`${baseUrl}/debug/reload`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!/data: (\S+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value ?? []).toString();
  }
  await reader.cancel();
  return /data: (\S+)/.exec(text)?.[1];
}

describe('npm run dev', { timeout: 180_000 }, () => {
  test('without MONGODB_URL, where mongod cannot be downloaded, it falls back to FerretDB and says so', async () => {
    const port = await freePort();
    // The running test server stands for the FerretDB that scripts/services.sh would start.
    const testServer = new URL(requireEnv('MONGODB_URL'));
    const dev = startDev({
      ...noMongod(),
      GROUNDWORK_MONGO_PORT: testServer.port,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: undefined,
    });
    await dev.until(/is running at/);
    assert.match(dev.output(), /mongod is not available \(.+\): using FerretDB instead/);
    assert.doesNotMatch(dev.output(), /\n\s+at /, 'no stack trace');
    assert.ok(
      dev.output().includes(`database  mongodb://127.0.0.1:${testServer.port}/`),
      dev.output(),
    );
    assert.equal((await request(`http://127.0.0.1:${port}/`)).status, 200);
    dev.child.kill('SIGINT');
    assert.equal(await dev.exited, 0, dev.output());
  });

  test('with neither mongod nor FerretDB to be had, it names the alternatives', async () => {
    const dev = startDev({
      ...noMongod(),
      // Nothing listens there, no FerretDB is cached, and Go may fetch nothing: building fails.
      GROUNDWORK_MONGO_PORT: String(await freePort()),
      GROUNDWORK_CACHE: mkdtempSync(join(tmpdir(), 'groundwork-cache-')),
      GOPROXY: 'off',
      GOMODCACHE: mkdtempSync(join(tmpdir(), 'gomodcache-')),
    });
    assert.equal(await dev.exited, 1, dev.output());
    const output = dev.output();
    assert.match(output, /Could not start a local MongoDB/);
    assert.ok(
      output.includes(`MONGODB_URL=mongodb://HOST:27017/${project.slug} in .env.local`),
      output,
    );
    assert.match(output, /docker compose up -d mongo/);
    assert.match(output, /MONGOMS_SYSTEM_BINARY/);
  });

  test('with MONGODB_URL: serves in development mode, says what runs where, reloads open pages after a change, stops on Ctrl-C', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const dev = startDev({
      MONGODB_URL: withDatabase(requireEnv('MONGODB_URL'), 'test_dev'),
      REDIS_URL: requireEnv('REDIS_URL'),
      JOBS_QUEUE: `test_dev_${randomBytes(5).toString('hex')}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: undefined,
    });
    await dev.until(/is running at/);
    const output = dev.output();
    assert.match(output, new RegExp(`running at http://localhost:${port}\\n`));
    assert.match(output, /database {2}mongodb:\/\/.+\/test_dev, from MONGODB_URL/);
    assert.match(output, new RegExp(`email {5}kept in the outbox at http://localhost:${port}/`));
    // The job queue is a feature: without it there is no worker and no jobs line.
    if (existsSync(join(copy, 'src/features/jobs/main.ts')))
      assert.match(output, /jobs {6}queued in Redis/);
    else assert.doesNotMatch(output, /jobs {6}/);

    const home = await request(`${baseUrl}/`);
    assert.equal(home.status, 200);
    assert.match(home.text, /href="\/debug"/, 'development mode shows the debug links');

    // A change restarts the server; the open page notices the new server and reloads itself.
    const browser = await chromium.launch({
      ...(process.env.CHROMIUM_PATH
        ? { executablePath: process.env.CHROMIUM_PATH, args: ['--no-sandbox'] }
        : {}),
    });
    try {
      const page = await browser.newPage();
      const first = await serverId(baseUrl);
      await page.goto(`${baseUrl}/`);
      await page.waitForSelector(`html[data-live-reload-server="${first}"]`, { state: 'attached' });
      const reloaded = page.waitForEvent('load', { timeout: 60_000 });
      const now = new Date();
      utimesSync(join(copy, 'locales', project.defaultLocale, 'common.json'), now, now);
      await reloaded;
      assert.notEqual(await serverId(baseUrl), first, 'a new server answers');
    } finally {
      await browser.close();
    }

    dev.child.kill('SIGINT');
    assert.equal(await dev.exited, 0, dev.output());
    await assert.rejects(request(`${baseUrl}/health/live`), /ECONNREFUSED/);
  });
});
