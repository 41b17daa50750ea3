// The deploy path end to end, for real: the project's image built from its Dockerfile, releases
// pushed to a registry, and `npm run deploy|rollback|deploy:status` (scripts/deploy.ts) driving
// deploy/host.sh over SSH on "the host" (an sshd on loopback), where compose.prod.yml runs Caddy
// (`tls internal`), the MongoDB-wire server and Redis in Docker. Run by `npm run test:docker`
// (scripts/test-docker.ts), which installs and starts what it needs; never part of `npm test`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';
import { buildProjectImage, release } from './images.ts';
import { startLoad } from './load.ts';
import { docker, run, start } from './run.ts';
import { domain, project, type Stage, servingVersion, startStage } from './stage.ts';

// The worker and its queue belong to the jobs feature: a project without it has neither.
const withJobs = existsSync(join(rootDir, 'src/features/jobs'));
const JOBS_QUEUE_SCRIPT = './jobs-queue.ts';

let stage: Stage;
let releases: Record<'v1' | 'v2' | 'v3' | 'v4', ReturnType<typeof release>>;
let ca = '';
const outputs: string[] = [];

/** `npm run deploy|rollback|...`, keeping the output for the secret check at the end. */
function cli(args: string[], extra: Record<string, string> = {}) {
  const ran = stage.cli(args, extra);
  outputs.push(ran.stdout, ran.stderr);
  return ran;
}

const serving = () => servingVersion(stage);

const appContainers = () => containersOf('app');

const status = () => cli(['status']).stdout;

async function until(what: string, check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} within ${ms} ms`);
}

/**
 * A deploy reports once the new version serves; it stops the old one in the background, holding
 * the host's lock until done. Waits for that, and checks only `version` is left running.
 */
async function finished(version: string) {
  await stage.idle();
  assert.deepEqual(appContainers(), [version], 'only the new version runs');
  if (withJobs) assert.deepEqual(workerContainers(), [version], 'the worker runs the new version');
}

function containersOf(service: string): string[] {
  return run(docker, [
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
    '--format',
    '{{.Label "groundwork.version"}}',
  ])
    .stdout.split('\n')
    .filter(Boolean);
}
const workerContainers = () => containersOf('worker');

/** Runs an ES module in the app container Caddy sends traffic to, next to the database and Redis. */
function inApp(code: string): string {
  const upstream = readFileSync(join(stage.host.path, 'caddy/upstream.caddy'), 'utf8');
  const app = /^reverse_proxy (\S+):3000/m.exec(upstream)?.[1];
  assert.ok(app, `no version is serving: ${upstream}`);
  return run(docker, ['exec', app, 'node', '--input-type=module', '-e', code]).stdout;
}

describe('deploy on one host, behind Caddy', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    stage = await startStage();
    console.log('building the project image from its Dockerfile');
    buildProjectImage();
    const registry = stage.registry.address;
    const notReady = [
      'node',
      '-e',
      "require('node:http').createServer((q, s) => { s.statusCode = 503; s.end(); }).listen(3000)",
    ];
    // Listens on the container's loopback only: ready from inside, unreachable for Caddy.
    const loopbackOnly = ['sh', '-c', 'HOST=127.0.0.1 exec node src/server.ts'];
    releases = {
      v1: release(registry, '1.0.0'),
      v2: release(registry, '2.0.0'),
      v3: release(registry, '3.0.0', notReady),
      v4: release(registry, '4.0.0', loopbackOnly),
    };
  });

  after(async () => {
    await stage?.teardown();
  });

  test('the first deploy (1.0.0) brings up the stack and serves HTTPS through Caddy', async () => {
    const ran = cli(['deploy', '1.0.0', '--image', releases.v1.digest]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /result: action=deploy version=1\.0\.0 outcome=ok seconds=\d+/);
    ca = stage.trustCaddy();
    assert.equal(serving(), '1.0.0');
    const headers = stage.curl('/', ['-D', '-', '-o', '/dev/null']).stdout;
    assert.match(headers, /^HTTP\/2 200/m);
    assert.match(headers, /^strict-transport-security: max-age=\d+/im);
    // Plain HTTP is redirected to HTTPS.
    const plain = run(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{redirect_url}',
        '--resolve',
        `${domain}:80:127.0.0.1`,
        `http://${domain}/`,
      ],
      { check: false },
    );
    assert.match(plain.stdout, /^30[18] https:\/\/app\.test\//);
    // The settings file arrived with owner-only permissions.
    const mode = run('stat', ['-c', '%a', join(stage.host.path, '.env.production')]).stdout.trim();
    assert.equal(mode, '600');
    assert.match(status(), /current: {2}1\.0\.0/);
    await finished('1.0.0');
  });

  test('2.0.0 deploys under load with 0 failed requests, and a slow request spans the switch', async () => {
    // A slow request: a form post whose body takes about 15 s to send, started when the new
    // version is ready, just before Caddy switches to it. The old version reads it to the end (the
    // CSRF check needs the body), so it is in flight through the switch and the old version's
    // SIGTERM, and ends within its shutdown grace.
    const startSlow = () => {
      const started = performance.now();
      const done = new Promise<{ status: number; ms: number; ended: number }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: 443,
            servername: domain,
            ca,
            method: 'POST',
            path: '/logout',
            headers: {
              host: domain,
              origin: `https://${domain}`,
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': 30 * 8,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              const ended = performance.now();
              resolve({ status: res.statusCode ?? 0, ms: ended - started, ended });
            });
          },
        );
        req.on('error', reject);
        let sent = 0;
        const timer = setInterval(() => {
          // 8 bytes a chunk, as the content-length says: the app answers once it has them all.
          req.write(`f${String(sent).padStart(2, '0')}=xxx&`);
          if (++sent === 30) {
            clearInterval(timer);
            req.end();
          }
        }, 500);
      });
      return { done };
    };
    const load = startLoad({ domain, ca, clients: 4, maxMs: 180_000, maxRequests: 100_000 });
    // Sample the process list meanwhile: the secret must never be on a command line.
    let commandLines = '';
    const sampler = setInterval(() => {
      start('ps', ['-eo', 'args']).done.then((ps) => {
        commandLines += ps.stdout;
      });
    }, 250);
    await new Promise((r) => setTimeout(r, 1000));
    const deploy = stage.cliInBackground(['deploy', '2.0.0', '--image', releases.v2.digest]);
    let slow: ReturnType<typeof startSlow> | undefined;
    let switchedAt = 0;
    let log = '';
    deploy.child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (!slow && log.includes('2.0.0 is ready; switching Caddy')) slow = startSlow();
      if (!switchedAt && log.includes('switched to 2.0.0')) switchedAt = performance.now();
    });
    const ran = await deploy.done;
    outputs.push(ran.stdout, ran.stderr);
    // The load goes on until the old version has stopped, which the deploy does after reporting.
    if (ran.code === 0) await finished('2.0.0');
    clearInterval(sampler);
    const result = await load.stop();
    console.log(
      `under load: ${result.ok} ok, ${result.failed} failed, ${result.retried} retried on a closed keep-alive connection`,
    );
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(serving(), '2.0.0');
    assert.ok(result.ok > 50, `only ${result.ok} requests went through`);
    assert.deepEqual(
      result.errors.slice(0, 5),
      [],
      `${result.failed} of ${result.ok + result.failed} failed`,
    );
    assert.ok(slow, 'the deploy said it was starting 2.0.0');
    const slowRan = await slow.done;
    // Answered by the app (a refused form post, 403), not failed by the proxy (502) or reset.
    assert.ok(slowRan.status > 0 && slowRan.status < 500, `the slow request got ${slowRan.status}`);
    assert.ok(slowRan.ms > 14_000, `the slow request took ${slowRan.ms} ms`);
    assert.ok(switchedAt > 0 && slowRan.ended > switchedAt, 'the slow request spanned the switch');
    assert.ok(commandLines.length > 0);
    assert.ok(!commandLines.includes(stage.secret), 'the secret appeared in ps output');
  });

  test('3.0.0 never gets ready: 2.0.0 keeps serving, 3.0.0 is removed, the command fails clearly', () => {
    const ran = cli(['deploy', '3.0.0', '--image', releases.v3.digest]);
    assert.notEqual(ran.code, 0);
    assert.match(
      ran.stderr,
      /3\.0\.0 did not become ready: groundwork-app-2\.0\.0-\d+ keeps serving/,
    );
    assert.match(ran.stdout, /outcome=failed/);
    assert.equal(serving(), '2.0.0');
    assert.deepEqual(appContainers(), ['2.0.0']);
  });

  test('4.0.0 is ready but Caddy cannot reach it: traffic returns to 2.0.0', () => {
    const ran = cli(['deploy', '4.0.0', '--image', releases.v4.digest]);
    assert.notEqual(ran.code, 0);
    assert.match(
      ran.stderr,
      /the public URL did not serve 4\.0\.0: traffic is back on groundwork-app-2\.0\.0/,
    );
    assert.match(ran.stdout, /outcome=switched-back/);
    assert.equal(serving(), '2.0.0');
    assert.deepEqual(appContainers(), ['2.0.0']);
    assert.match(status(), /current: {2}2\.0\.0/);
  });

  test('rollback to 1.0.0 works with the registry stopped (the image is kept on the host)', async () => {
    await stage.registry.stop();
    try {
      const ran = cli(['rollback', '1.0.0']);
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /result: action=rollback version=1\.0\.0 outcome=ok/);
      assert.equal(serving(), '1.0.0');
      const state = status();
      assert.match(state, /current: {2}1\.0\.0/);
      assert.match(state, /previous: 2\.0\.0/);
      // Versions that never served are not kept.
      assert.match(state, /kept: {5}1\.0\.0 2\.0\.0 \n/);
      await finished('1.0.0');
    } finally {
      await stage.registry.restart();
    }
  });

  test('the worker finishes its jobs across a deploy, and nothing queued is lost', {
    skip: !withJobs && 'the jobs feature was removed',
  }, async () => {
    // Jobs of 8 s each, queued as the new version gets ready: the old worker (1.0.0) is running
    // eight of them (its concurrency) when the deploy stops it, and the rest wait in the queue.
    // The queue's script goes with the jobs feature (its feature.json lists the file), so a
    // project without it keeps no code that loads Bull; hence the import by a computed path.
    const { queueScript } = (await import(JOBS_QUEUE_SCRIPT)) as {
      queueScript(runId: string): string;
    };
    const queue = queueScript(randomUUID());
    const enqueue = () =>
      inApp(`${queue}
for (let i = 0; i < 12; i++)
  await queue.add('jobs.sample', { message: 'across ' + i, delayMs: 8000 }, { jobId: id(i), attempts: 3 });
await queue.close();`);
    // Each job's state and when it started: a job the old worker returned and the new one ran
    // again would start later the second time.
    const jobs = (): Record<string, { state: string; processedOn?: number }> =>
      JSON.parse(
        inApp(`${queue}
const jobs = {};
for (let i = 0; i < 12; i++) {
  const job = await queue.getJob(id(i));
  jobs[i] = { state: await job.getState(), processedOn: job.processedOn };
}
console.log(JSON.stringify(jobs));
await queue.close();`),
      );
    const deploy = stage.cliInBackground(['deploy', '2.0.0', '--image', releases.v2.digest]);
    let log = '';
    const enqueued: { tried: boolean; error?: unknown } = { tried: false };
    deploy.child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (!enqueued.tried && log.includes('2.0.0 is ready; switching Caddy')) {
        enqueued.tried = true;
        try {
          enqueue();
        } catch (error) {
          enqueued.error = error;
        }
      }
    });
    const ran = await deploy.done;
    outputs.push(ran.stdout, ran.stderr);
    assert.equal(ran.code, 0, ran.stderr);
    assert.ok(enqueued.tried, 'the deploy said 2.0.0 was ready');
    if (enqueued.error) throw enqueued.error;
    const atSwitch = jobs();
    const active = Object.keys(atSwitch).filter((id) => atSwitch[id]?.state === 'active');
    assert.ok(
      active.length > 0,
      `no job was running when the deploy ended: ${JSON.stringify(atSwitch)}`,
    );
    await finished('2.0.0');
    const completed = () => Object.values(jobs()).every((job) => job.state === 'completed');
    await until('every job completed', completed, 60_000);
    const after = jobs();
    // The jobs running on the old worker finished there (started once), after its SIGTERM.
    for (const id of active) assert.equal(after[id]?.processedOn, atSwitch[id]?.processedOn, id);
  });

  test('a second deploy while one runs is refused; a killed deploy leaves no stale lock', async () => {
    await stage.idle();
    const servingBefore = serving();
    const first = stage.cliInBackground(['deploy', '3.0.0', '--image', releases.v3.digest], {
      detached: true,
    });
    await until('the first deploy holds the lock', () => /lock: {5}held/.test(status()), 30_000);
    const second = cli(['deploy', '2.0.0', '--image', releases.v2.digest]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /another deploy is running on this host/);
    // Kill the first deploy's CLI and its ssh: the connection dies mid-deploy.
    process.kill(-(first.child.pid as number), 'SIGKILL');
    await first.done;
    await until('the lock is free again', () => /lock: {5}free/.test(status()), 15_000);
    await until(
      'the half-started 3.0.0 is removed',
      () => !appContainers().includes('3.0.0'),
      15_000,
    );
    assert.equal(serving(), servingBefore);
  });

  test('backup, wipe, restore: the same documents come back', () => {
    // Talks to the database from the running app container (the database is not published).
    const mongo = (code: string) =>
      inApp(`import mongodb from 'mongodb';
const { BSON, MongoClient } = mongodb;
const { EJSON } = BSON;
const client = new MongoClient(process.env.MONGODB_URL);
await client.connect();
const db = client.db();
${code}
await client.close();`);
    mongo(
      `await db.collection('drill').insertMany([{ n: 1, at: new Date(0) }, { n: 2, tags: ['x'] }, { n: 3 }]);`,
    );
    const read = `console.log(EJSON.stringify(await db.collection('drill').find({}, { sort: { n: 1 } }).toArray()));`;
    const before = mongo(read);
    const backup = cli(['backup']);
    assert.equal(backup.code, 0, backup.stderr);
    const name = /^backup: (\S+)$/m.exec(backup.stdout)?.[1];
    assert.ok(name, backup.stdout);
    assert.match(
      readFileSync(join(stage.host.path, 'backups', `${name}.sha256`), 'utf8'),
      /^[0-9a-f]{64} {2}/,
    );

    mongo('await db.dropDatabase();');
    assert.equal(mongo(read).trim(), '[]');
    const restored = cli(['restore', name]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(mongo(read), before);
    assert.match(before, /"n":1/);

    // A damaged backup is refused before anything is touched.
    writeFileSync(join(stage.host.path, 'backups', name), 'damaged');
    const refused = cli(['restore', name]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /does not match its checksum/);
    assert.equal(mongo(read), before);
  });

  test('a host presenting another key is refused', () => {
    const ran = cli(['status'], { DEPLOY_KNOWN_HOSTS: stage.host.wrongKnownHosts });
    assert.notEqual(ran.code, 0);
    assert.match(ran.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  test('the secret appears in no output, log or audit line', () => {
    const logs = run(docker, [
      'ps',
      '-aq',
      '--filter',
      'label=com.docker.compose.project=groundwork',
    ])
      .stdout.split('\n')
      .filter(Boolean)
      .map((id) => {
        const ran = run(docker, ['logs', id], { check: false });
        return ran.stdout + ran.stderr;
      });
    const audit = readFileSync(join(stage.host.path, '.deploy/audit.log'), 'utf8');
    const finishing = readFileSync(join(stage.host.path, '.deploy/finish.log'), 'utf8');
    assert.match(audit, /\tdeploy\t1\.0\.0\tok\t/);
    for (const text of [...outputs, ...logs, audit, finishing])
      assert.ok(!text.includes(stage.secret));
  });
});
