// The Swarm deploy end to end (docs/decisions/0142): a single-node swarm on the local engine runs
// deploy/swarm/stack.yml (with tests/docker/stack.local.yml in place of stack.single-node.yml) from
// images in a local registry, driven by `npm run deploy -- --target swarm` over SSH like the
// one-host suite. 1.0.0 deploys; 2.0.0 rolls in under a bounded load loop with 0 failed requests;
// 3.0.0, whose healthcheck fails, is rolled back by Swarm by itself; `rollback` returns to 1.0.0;
// the stack is removed. Part of `npm run test:docker`; alone:
//   npm run test:docker -- tests/docker/swarm.suite.ts
// It makes this engine a swarm manager (`docker swarm init`) when it is not one, and leaves the
// swarm at the end only if it made it. Caddy publishes 80 and 443: nothing else may hold them.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeDeployEnv } from './host.ts';
import { buildProjectImage, release } from './images.ts';
import { startLoad } from './load.ts';
import { docker, run } from './run.ts';
import { domain, localSettings, type Stage, servingVersion, startStage } from './stage.ts';

const STACK = 'groundwork';
let stage: Stage;
let madeSwarm = false;
let ca = '';
let releases: Record<'v1' | 'v2' | 'v3', { version: string; tag: string; digest: string }>;

const cli = (args: string[]) => stage.cli([...args, '--target', 'swarm']);
// Under load the command runs beside the event loop: a synchronous one would stall the load's
// clients until it returned, and their requests would time out in this process, not on the site.
const cliUnderLoad = (args: string[]) => stage.cliInBackground([...args, '--target', 'swarm']).done;
const serving = () => servingVersion(stage);

/** A release whose image healthcheck always fails: the app itself serves normally. */
function unhealthyRelease(registry: string, version: string) {
  const made = release(registry, version);
  const context = mkdtempSync('/tmp/gw-release-');
  try {
    const dockerfile = [
      `FROM ${made.tag}`,
      'HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=2 CMD ["false"]',
    ].join('\n');
    run(docker, ['build', '-q', '-t', made.tag, '-f', '-', context], {
      input: dockerfile,
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
    run(docker, ['push', '-q', made.tag]);
    const digest = run(docker, ['inspect', '-f', '{{index .RepoDigests 0}}', made.tag]).stdout;
    return { ...made, digest: digest.trim() };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** One field of a service's state, by a Go template of `docker service inspect`. */
const serviceField = (service: string, format: string) =>
  run(docker, ['service', 'inspect', '--format', format, `${STACK}_${service}`]).stdout.trim();
const serviceImage = (service: string) =>
  serviceField(service, '{{.Spec.TaskTemplate.ContainerSpec.Image}}');
const updateState = (service: string) =>
  serviceField(service, '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}');

/** Waits up to a minute for the stack's containers to be gone; false if some are left. */
async function stackGone() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const left = run(docker, [
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.stack.namespace=${STACK}`,
    ]).stdout.trim();
    if (!left) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

describe('deploy on Docker Swarm (single node)', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    const swarm = run(docker, ['info', '--format', '{{.Swarm.LocalNodeState}}']).stdout.trim();
    if (swarm !== 'active') {
      run(docker, ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
      madeSwarm = true;
    }
    // A network that a one-host run left under the stack's name (`compose down` was interrupted)
    // would stop `docker stack deploy`: unused ones go.
    run(docker, [
      'network',
      'prune',
      '-f',
      '--filter',
      `label=com.docker.compose.project=${STACK}`,
    ]);
    stage = await startStage();
    const path = stage.host.path;
    copyFileSync(new URL('stack.local.yml', import.meta.url), join(path, 'stack.local.yml'));
    writeDeployEnv(path, {
      ...localSettings(),
      SWARM_STACK: STACK,
      SWARM_COMPOSE_FILES: 'stack.yml:stack.local.yml',
      APP_REPLICAS: '2',
      WORKER_REPLICAS: '2',
      DEPLOY_UPDATE_TIMEOUT: '300',
    });
    console.log('building the project image from its Dockerfile');
    buildProjectImage();
    const registry = stage.registry.address;
    releases = {
      v1: release(registry, '1.0.0'),
      v2: release(registry, '2.0.0'),
      v3: unhealthyRelease(registry, '3.0.0'),
    };
  });

  after(async () => {
    try {
      if (stage) {
        run(docker, ['stack', 'rm', STACK], { check: false });
        await stackGone();
        // The stack's volumes: left behind, they would be the next run's data.
        const volumes = run(docker, [
          'volume',
          'ls',
          '-q',
          '--filter',
          `label=com.docker.stack.namespace=${STACK}`,
        ]).stdout.trim();
        if (volumes) run(docker, ['volume', 'rm', ...volumes.split('\n')], { check: false });
        await stage.teardown({ compose: false });
      }
    } finally {
      if (madeSwarm) run(docker, ['swarm', 'leave', '--force'], { check: false });
    }
  });

  test('1.0.0: the first deploy creates the stack and serves HTTPS through Caddy', () => {
    const ran = cli(['deploy', '1.0.0', '--image', releases.v1.digest]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /result: action=deploy version=1\.0\.0 outcome=ok/);
    const caddy = run(docker, [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.swarm.service.name=${STACK}_caddy`,
    ]).stdout.trim();
    writeFileSync(
      stage.caFile,
      run(docker, ['exec', caddy, 'cat', '/data/caddy/pki/authorities/local/root.crt']).stdout,
    );
    ca = readFileSync(stage.caFile, 'utf8');
    const health = stage.curl('/health');
    assert.equal(
      serving(),
      '1.0.0',
      `${health.stdout}${health.stderr}\n${run(docker, ['service', 'logs', '--tail', '20', `${STACK}_caddy`], { check: false }).stdout}`,
    );
    // The settings are a secret file, not environment variables of the service.
    const env = serviceField('app', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}');
    assert.ok(!env.includes(stage.secret), 'SESSION_SECRET is not in the service spec');
    const replicas = run(docker, ['service', 'ls', '--format', '{{.Name}} {{.Replicas}}']).stdout;
    assert.match(replicas, new RegExp(`${STACK}_app 2/2`));
    assert.match(replicas, new RegExp(`${STACK}_worker 2/2`));
  });

  test('2.0.0 rolls in under load with 0 failed requests', async () => {
    const load = startLoad({ domain, ca, clients: 4, maxMs: 600_000, maxRequests: 500_000 });
    const started = Date.now();
    const ran = await cliUnderLoad(['deploy', '2.0.0', '--image', releases.v2.digest]);
    // A little traffic after the update, on the new tasks only.
    await new Promise((r) => setTimeout(r, 3_000));
    const result = await load.stop();
    console.log(
      `swarm rolling update under load: ${result.ok} ok, ${result.failed} failed, ${result.retried} retried, ${Math.round((Date.now() - started) / 1000)} s`,
    );
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /result: action=deploy version=2\.0\.0 outcome=ok/);
    assert.equal(serving(), '2.0.0');
    assert.ok(result.ok > 100, `the load ran (${result.ok} requests)`);
    assert.equal(result.failed, 0, result.errors.slice(0, 10).join('\n'));
    assert.equal(serviceImage('app'), releases.v2.digest);
  });

  test('3.0.0 fails its healthcheck: Swarm rolls it back by itself, 2.0.0 keeps serving', async () => {
    const load = startLoad({ domain, ca, clients: 2, maxMs: 600_000, maxRequests: 500_000 });
    const ran = await cliUnderLoad(['deploy', '3.0.0', '--image', releases.v3.digest]);
    const seconds = Math.round(ran.ms / 1000);
    const result = await load.stop();
    console.log(
      `failed update rolled back in ${seconds} s; under load: ${result.ok} ok, ${result.failed} failed`,
    );
    assert.equal(ran.code, 1, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /result: action=deploy version=3\.0\.0 outcome=rolled-back/);
    assert.match(ran.stderr, /Swarm rolled it back; 2\.0\.0 still serves/);
    assert.equal(updateState('app'), 'rollback_completed');
    assert.equal(serviceImage('app'), releases.v2.digest);
    assert.equal(serving(), '2.0.0');
    assert.equal(result.failed, 0, result.errors.slice(0, 10).join('\n'));
    assert.match(cli(['status']).stdout, /current: {2}2\.0\.0/);
  });

  test('rollback (no version) returns to the previous spec: 1.0.0', () => {
    const ran = cli(['rollback']);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /result: action=rollback version=1\.0\.0 outcome=ok/);
    assert.equal(serving(), '1.0.0');
  });

  test('the stack is removed, and nothing of it runs', async () => {
    run(docker, ['stack', 'rm', STACK]);
    assert.ok(await stackGone(), 'the stack left containers behind');
  });
});
