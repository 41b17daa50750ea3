import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { MCP_PACKAGES, McpError, mcpLaunch } from '../../scripts/mcp.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { project } from '../../src/project.ts';
import { startTestApp } from '../helpers/app.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';

// The MCP servers of .mcp.json, started the way an agent starts them (`npm run --silent
// mcp:<name>`) and spoken to over stdio. The Playwright and MongoDB servers are fetched by npx on
// first use (pinned in scripts/mcp.ts); GitHub's needs a token and GitHub, so only how it would
// start is checked here.
const servers = ['playwright', 'mongodb', 'github'];

test('.mcp.json starts each server with the project command that points it at local services', () => {
  const mcp = JSON.parse(readFileSync(join(rootDir, '.mcp.json'), 'utf8'));
  const scripts = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')).scripts;
  assert.deepEqual(Object.keys(mcp.mcpServers).sort(), [...servers].sort());
  for (const name of servers) {
    assert.deepEqual(mcp.mcpServers[name], {
      command: 'npm',
      args: ['run', '--silent', `mcp:${name}`],
    });
    assert.equal(scripts[`mcp:${name}`], `node scripts/node24.js scripts/mcp.ts ${name}`);
  }
  for (const pkg of Object.values(MCP_PACKAGES)) assert.match(pkg, /@\d+\.\d+\.\d+$/, 'pinned');
});

test('each server gets the configured port, database and token; missing ones are explained', () => {
  const env = {
    PORT: '4567',
    MONGODB_URL: 'mongodb://db.internal:27017/app',
    CHROMIUM_PATH: '/opt/chromium',
  };
  const playwright = mcpLaunch('playwright', env);
  assert.ok(
    playwright.args.includes('--allowed-origins=http://localhost:4567;http://127.0.0.1:4567'),
  );
  assert.ok(playwright.args.includes('--executable-path=/opt/chromium'));
  assert.deepEqual(mcpLaunch('mongodb', env).env, {
    MDB_MCP_CONNECTION_STRING: 'mongodb://db.internal:27017/app',
    MDB_MCP_READ_ONLY: 'true',
    MDB_MCP_TELEMETRY: 'disabled',
  });
  assert.equal(
    mcpLaunch('mongodb', { ...env, MCP_MONGODB_WRITE: 'true' }).env.MDB_MCP_READ_ONLY,
    'false',
  );
  assert.throws(() => mcpLaunch('mongodb', { PORT: '4567' }), /MONGODB_URL is not set/);
  assert.throws(() => mcpLaunch('github', env), /No GitHub token/);
  assert.throws(() => mcpLaunch('redis', env), McpError);
  try {
    const github = mcpLaunch('github', { ...env, GITHUB_TOKEN: 'token-for-test' });
    assert.deepEqual(github.env, { GITHUB_PERSONAL_ACCESS_TOKEN: 'token-for-test' });
    assert.ok(!github.args.includes('token-for-test'), 'the token is not on the command line');
  } catch (error) {
    assert.match((error as Error).message, /not installed/);
  }
});

// A line-delimited JSON-RPC client for one server process.
function connect(name: string, env: Record<string, string>) {
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const child = spawn('npm', ['run', '--silent', `mcp:${name}`], {
    cwd: rootDir,
    env: { ...inherited, ...env },
    detached: true,
  }) as ChildProcessWithoutNullStreams;
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const pending = new Map<number, (message: Record<string, unknown>) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    pending.get(message.id)?.(message);
  });
  let id = 0;
  const request = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) => {
      id += 1;
      pending.set(id, (message) =>
        message.error
          ? reject(new Error(JSON.stringify(message.error)))
          : resolve(message.result as T),
      );
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${stderr}`)));
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  return {
    async start() {
      const init = await request<{ serverInfo: { name: string } }>('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'mcp-test', version: '1' },
      });
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
      );
      return init;
    },
    request,
    call: async (tool: string, args: object) => {
      const result = await request<{ content: Array<{ text?: string }> }>('tools/call', {
        name: tool,
        arguments: args,
      });
      return result.content.map((c) => c.text ?? '').join('\n');
    },
    close() {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    },
  };
}

describe('the MCP servers, for real', { timeout: 300_000 }, () => {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('MongoDB: the configured database, read-only', async () => {
    const database = `test_${randomBytes(5).toString('hex')}`;
    const url = withDatabase(requireEnv('MONGODB_URL'), database);
    const client = await MongoClient.connect(url);
    cleanups.push(async () => {
      await client.db(database).dropDatabase();
      await client.close();
    });
    await client.db(database).collection('mcp_probe').insertOne({ seen: true });
    const mongodb = connect('mongodb', { MONGODB_URL: url });
    cleanups.push(() => mongodb.close());
    const init = await mongodb.start();
    assert.match(init.serverInfo.name, /MongoDB/);
    const { tools: list } = await mongodb.request<{ tools: Array<{ name: string }> }>('tools/list');
    const tools = list.map((t) => t.name);
    assert.ok(tools.includes('find'), tools.join());
    assert.ok(!tools.some((name) => /insert|delete|update|drop/.test(name)), tools.join());
    assert.match(
      await mongodb.call('list-collections', { connectionId: 'preconfigured', database }),
      /mcp_probe/,
    );
  });

  test('Playwright: a browser that opens the local app', async () => {
    const app = await startTestApp();
    cleanups.push(() => app.close());
    const port = new URL(app.baseUrl).port;
    const playwright = connect('playwright', { PORT: port });
    cleanups.push(() => playwright.close());
    await playwright.start();
    const page = await playwright.call('browser_navigate', { url: `http://127.0.0.1:${port}/` });
    assert.ok(page.includes(`Page Title: ${project.name}`), page.slice(0, 2_000));
  });
});
