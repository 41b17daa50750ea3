import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configSchema, loadConfig } from '../../src/config.ts';
import { ConfigError, databaseName, mask, maskedConfig } from '../../src/core/config/config.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { project } from '../../src/project.ts';

function folder(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('config', () => {
  test('defaults apply when nothing is set', () => {
    const config = loadConfig({ cwd: folder({}), env: { MONGODB_URL: 'mongodb://db/app' } });
    assert.equal(config.PORT, 3000);
    assert.equal(config.NODE_ENV, 'production');
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.TRUST_PROXY, false);
  });

  test('security review 1: without NODE_ENV it is production; development and test listen on loopback unless HOST says otherwise', () => {
    const cwd = folder({});
    const bare = loadConfig({ cwd, env: { MONGODB_URL: 'mongodb://db/app' } });
    assert.equal(bare.production, true, '`npm start` and the image run production');
    assert.equal(bare.HOST, '0.0.0.0', 'production listens on every interface (a container)');
    for (const NODE_ENV of ['development', 'test']) {
      assert.equal(loadConfig({ cwd, env: { NODE_ENV } }).HOST, '127.0.0.1', NODE_ENV);
      assert.equal(loadConfig({ cwd, env: { NODE_ENV, HOST: '0.0.0.0' } }).HOST, '0.0.0.0');
    }
    const packageJson = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8'));
    assert.doesNotMatch(packageJson.scripts.start, /NODE_ENV=(development|test)/);
  });

  test('precedence: env > .env.local > .env > config.yml > defaults', () => {
    const cwd = folder({
      'config.yml': 'PORT: 4001\nLOG_LEVEL: debug\nHOST: 10.0.0.1\nSHUTDOWN_TIMEOUT_MS: 5\n',
      '.env': 'PORT=4002\nLOG_LEVEL=warn\nHOST=10.0.0.2\n',
      '.env.local': 'PORT=4003\nLOG_LEVEL=error\n',
    });
    const config = loadConfig({ cwd, env: { PORT: '4004', MONGODB_URL: 'mongodb://db/app' } });
    assert.equal(config.PORT, 4004, 'environment wins');
    assert.equal(config.LOG_LEVEL, 'error', '.env.local beats .env');
    assert.equal(config.HOST, '10.0.0.2', '.env beats config.yml');
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 5, 'config.yml beats defaults');
    assert.equal(config.NODE_ENV, 'production', 'defaults fill the rest');
  });

  test('security review 14: config.yml, which is committed and copied into the image, refuses secrets', () => {
    const cwd = folder({
      'config.yml': [
        'SESSION_SECRET: a-long-secret-that-must-not-be-committed-0123',
        'METRICS_TOKEN: another-long-secret-token',
        'SMTP_URL: smtps://user:hunter2@smtp.example.com:465',
        'REDIS_URL: redis://127.0.0.1:6379',
        'PORT: 4001',
      ].join('\n'),
    });
    const problems = problemsOf(() => loadConfig({ cwd, env: { NODE_ENV: 'test' } }));
    assert.equal(problems.length, 3, problems.join('\n'));
    for (const key of ['SESSION_SECRET', 'METRICS_TOKEN', 'SMTP_URL']) {
      const problem = problems.find((p) => p.startsWith(`${key} (config.yml)`)) ?? '';
      assert.match(problem, /does not belong in config\.yml.*environment or \.env\.local/);
    }
    assert.doesNotMatch(problems.join('\n'), /hunter2|a-long-secret|another-long/);
    // The same values from .env.local (git- and docker-ignored) are fine.
    const local = folder({ '.env.local': 'SMTP_URL=smtps://user:hunter2@smtp.example.com:465\n' });
    assert.match(loadConfig({ cwd: local, env: { NODE_ENV: 'test' } }).SMTP_URL ?? '', /hunter2/);
  });

  test('an empty value counts as unset', () => {
    const config = loadConfig({
      cwd: folder({ 'config.yml': 'PORT: 4001\n' }),
      env: { PORT: '', NODE_ENV: 'test' },
    });
    assert.equal(config.PORT, 4001);
  });

  test('every invalid key is reported at once, with its source and a fix', () => {
    const cwd = folder({ 'config.yml': 'PROT: 80\nLOG_LEVEL: [a, b]\n' });
    const problems = problemsOf(() =>
      loadConfig({
        cwd,
        env: { PORT: 'eighty', NODE_ENV: 'prod', PUBLIC_URL: 'ftp://x', TRUST_PROXY: 'yes' },
      }),
    );
    const text = problems.join('\n');
    assert.equal(problems.length, 6, text);
    assert.match(text, /PROT \(config\.yml\): unknown key/);
    assert.match(text, /LOG_LEVEL \(config\.yml\): must be a single value/);
    assert.match(text, /PORT \(got "eighty" from environment\): .*Fix: TCP port/);
    assert.match(text, /NODE_ENV \(got "prod" from environment\): .*Fix: Runtime mode/);
    assert.match(text, /PUBLIC_URL \(got "ftp:\/\/x" from environment\)/);
    assert.match(text, /TRUST_PROXY \(got "yes" from environment\)/);
  });

  test('broken YAML is a clear error, not a crash', () => {
    const problems = problemsOf(() =>
      loadConfig({ cwd: folder({ 'config.yml': 'PORT: [\n' }), env: {} }),
    );
    assert.match(problems[0] ?? '', /^config\.yml: cannot be read as YAML/);
  });

  test('production requires MONGODB_URL', () => {
    const problems = problemsOf(() =>
      loadConfig({ cwd: folder({}), env: { NODE_ENV: 'production' } }),
    );
    assert.match(problems.join('\n'), /MONGODB_URL: required when NODE_ENV=production/);
  });

  test('MONGODB_URL must be a MongoDB connection string', () => {
    const problems = problemsOf(() =>
      loadConfig({ cwd: folder({}), env: { MONGODB_URL: 'postgres://localhost/db' } }),
    );
    assert.match(problems.join('\n'), /MONGODB_URL .*must start with mongodb:\/\//);
  });

  test('REDIS_URL must be a Redis connection string', () => {
    const problems = problemsOf(() =>
      loadConfig({ cwd: folder({}), env: { REDIS_URL: 'localhost:6379' } }),
    );
    assert.match(problems.join('\n'), /REDIS_URL .*must start with redis:\/\/ or rediss:\/\//);
    const password = 'redis://:s3cret@cache:6379/0';
    assert.equal(mask('REDIS_URL', password), 'redis://:********@cache:6379/0');
  });

  test('a number out of range says the range, not "must be a number"', () => {
    const problems = problemsOf(() =>
      loadConfig({
        cwd: folder({}),
        env: { PORT: '70000', SHUTDOWN_DELAY_MS: '-1' },
      }),
    );
    assert.match(
      problems.join('\n'),
      /PORT \(got "70000" from environment\): must be 65535 or less/,
    );
    assert.match(problems.join('\n'), /SHUTDOWN_DELAY_MS .*: must be 0 or more/);
  });

  test('passwords in URLs are masked wherever config is shown', () => {
    assert.equal(
      mask('MONGODB_URL', 'mongodb://app:s3cret@db1:27017,db2:27017/app?replicaSet=rs0'),
      'mongodb://app:********@db1:27017,db2:27017/app?replicaSet=rs0',
    );
    const config = loadConfig({
      cwd: folder({}),
      env: { MONGODB_URL: 'mongodb+srv://u:p%40ss@cluster.example.net/prod' },
    });
    const shown = JSON.stringify(maskedConfig(config));
    assert.ok(!shown.includes('p%40ss'), shown);
    assert.match(shown, /mongodb\+srv:\/\/u:\*{8}@cluster\.example\.net\/prod/);
  });

  test('the database name comes from the URL path, else from the project slug', () => {
    const base = loadConfig({ cwd: folder({}), env: { NODE_ENV: 'development' } });
    assert.equal(
      databaseName({ ...base, MONGODB_URL: 'mongodb://h1:1,h2:2/shop?tls=true' }),
      'shop',
    );
    assert.equal(
      databaseName({ ...base, MONGODB_URL: 'mongodb://localhost:27017' }),
      project.slug.replaceAll('-', '_'),
    );
  });

  test('the README configuration table lists exactly the settings', () => {
    const readme = readFileSync(join(rootDir, 'README.md'), 'utf8');
    const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
    // The first cell of each table row names one or more settings: | `GITHUB_URL`, `GITHUB_API_URL` |
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)])
      .map((match) => match[1]);
    assert.deepEqual(documented.sort(), Object.keys(configSchema.shape).sort());
  });
});
