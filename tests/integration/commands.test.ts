import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { checkImage, IMAGE_TAG } from '../../scripts/build.ts';
import { planShell } from '../../scripts/db-shell.ts';
import { loadConfig } from '../../src/config.ts';
import { createUser, users } from '../../src/core/auth/users.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { connectDatabase, type Database } from '../../src/core/data/db.ts';
import { createLogger } from '../../src/core/observability/logger.ts';
import { project } from '../../src/project.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';

// The developer commands: db:shell, db:seed and build's image check. mongosh and docker are not
// installed here: stand-in executables on a PATH of the test's own record what they were given.
const run = promisify(execFile);
const emptyDir = mkdtempSync(join(tmpdir(), 'commands-'));
const nodeDir = dirname(process.execPath);
// The app's database when MONGODB_URL names none (databaseName in src/core/config/config.ts).
const appDatabase = project.slug.replaceAll('-', '_');

/** A directory holding executables `name` that append their arguments to `log` and exit `code`. */
function standIns(commands: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'bin-'));
  for (const [name, script] of Object.entries(commands)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const config = (env: Record<string, string>) => loadConfig({ cwd: emptyDir, env });

async function script(file: string, args: string[], env: Record<string, string>) {
  return run(process.execPath, [join(rootDir, file), ...args], {
    cwd: emptyDir, // no .env or config.yml: only what the test passes
    env: { PATH: nodeDir, NODE_ENV: 'development', ...env },
  }).then(
    (done) => ({ code: 0, ...done }),
    (error) => ({ code: error.code as number, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('npm run db:shell', () => {
  test('opens mongosh on the configured database, with the arguments after --', () => {
    const bin = standIns({ mongosh: 'exit 0' });
    const plan = planShell(
      config({ MONGODB_URL: 'mongodb://u:p@db.example:27017/?authSource=admin' }),
      ['--eval', 'db.users.countDocuments()'],
      { PATH: bin },
    );
    assert.deepEqual(plan, {
      ok: true,
      command: join(bin, 'mongosh'),
      args: [
        `mongodb://u:p@db.example:27017/${appDatabase}?authSource=admin`,
        '--eval',
        'db.users.countDocuments()',
      ],
    });
    // A database in the URL is the app's database: kept.
    const named = planShell(config({ MONGODB_URL: 'mongodb://h:1/shop' }), [], { PATH: bin });
    assert.ok(named.ok && named.args[0] === 'mongodb://h:1/shop');
    // The legacy shell when mongosh is missing.
    const legacy = planShell(config({ MONGODB_URL: 'mongodb://h:1/shop' }), [], {
      PATH: standIns({ mongo: 'exit 0' }),
    });
    assert.ok(legacy.ok && legacy.command.endsWith('/mongo'));
  });

  test('without a shell: how to get one, the password masked, exit 1', async () => {
    const result = await script('scripts/db-shell.ts', [], {
      MONGODB_URL: 'mongodb://app:hunter2@127.0.0.1:27017/shop',
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /No MongoDB shell found \(looked for mongosh and mongo on the PATH\)/,
    );
    assert.match(result.stderr, /mongodb:\/\/app:\*+@127\.0\.0\.1:27017\/shop/);
    assert.match(result.stderr, /docker compose exec mongo mongosh shop/);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });

  test('runs the shell it found and passes its exit status on', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'log-')), 'args');
    const bin = standIns({ mongosh: `printf '%s\\n' "$@" > ${log}; exit 3` });
    const result = await script('scripts/db-shell.ts', ['--quiet'], {
      PATH: `${bin}:${nodeDir}`,
      MONGODB_URL: 'mongodb://127.0.0.1:27017',
    });
    assert.equal(result.code, 3);
    assert.equal(readFileSync(log, 'utf8'), `mongodb://127.0.0.1:27017/${appDatabase}\n--quiet\n`);
  });

  test('without MONGODB_URL: says where to find one', async () => {
    const result = await script('scripts/db-shell.ts', [], {});
    assert.equal(result.code, 1);
    assert.match(result.stderr, /MONGODB_URL is not set/);
  });
});

describe('npm run db:seed', () => {
  const name = `test_seed_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(requireEnv('MONGODB_URL'), name);
  let db: Database;
  before(async () => {
    db = await connectDatabase(url, name, createLogger({ LOG_LEVEL: 'silent', NODE_ENV: 'test' }));
  });
  after(async () => {
    await db.db.dropDatabase();
    await db.close();
  });

  test('makes fake users with roles; --reset deletes only fake ones', async () => {
    const real = await createUser(db, { email: 'real@example.com', displayName: 'Real' }, []);
    const first = await script('scripts/db-seed.ts', ['--users', '2', '--admins', '1'], {
      MONGODB_URL: url,
    });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /made 3 fake users/);
    assert.equal(await db.collection(users).countDocuments({ fake: true, role: 'admin' }), 1);
    assert.equal(await db.collection(users).countDocuments({ fake: true, role: 'user' }), 2);
    const again = await script('scripts/db-seed.ts', ['--reset', '--users', '1', '--admins', '0'], {
      MONGODB_URL: url,
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /deleted 3 fake users/);
    assert.equal(await db.collection(users).countDocuments({ fake: true }), 1);
    assert.ok(await db.collection(users).findOne({ _id: real._id }), 'the real account stays');
  });

  test('refuses production, and bad counts', async () => {
    const production = await script('scripts/db-seed.ts', [], {
      MONGODB_URL: url,
      NODE_ENV: 'production',
      REDIS_URL: 'redis://127.0.0.1:9',
      PUBLIC_URL: 'https://app.test',
      SMTP_URL: 'smtp://127.0.0.1:9',
    });
    assert.equal(production.code, 1);
    assert.match(production.stderr, /refuses to run with NODE_ENV=production/);
    const bad = await script('scripts/db-seed.ts', ['--users', 'many'], { MONGODB_URL: url });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--users must be a whole number from 0 to 100/);
  });
});

describe("npm run build's image check", () => {
  const quiet = () => {};

  test('skipped, saying why, without Docker or with its daemon down', async () => {
    assert.deepEqual(await checkImage({ PATH: emptyDir }, quiet), {
      ran: false,
      reason: 'Docker is not installed (no docker on the PATH)',
    });
    const down = standIns({ docker: 'exit 1' });
    const check = await checkImage({ PATH: down }, quiet);
    assert.equal(check.ran, false);
    assert.match(check.ran ? '' : check.reason, /daemon is not answering/);
  });

  test('builds the image from the project when the daemon answers, and reports a failure', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'log-')), 'args');
    for (const [status, ok] of [
      [0, true],
      [1, false],
    ] as const) {
      const bin = standIns({
        docker: `if [ "$1" = info ]; then echo 27.0.0; exit 0; fi\nprintf '%s\\n' "$@" > ${log}; exit ${status}`,
      });
      const check = await checkImage({ PATH: bin }, quiet);
      assert.deepEqual(check, {
        ran: true,
        ok,
        command: join(bin, 'docker'),
        args: ['build', '--tag', IMAGE_TAG, rootDir],
      });
      assert.equal(readFileSync(log, 'utf8'), `build\n--tag\n${IMAGE_TAG}\n${rootDir}\n`);
    }
  });
});
