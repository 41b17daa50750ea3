// The Docker Swarm stack (deploy/swarm/) stays in step with compose.prod.yml, the one-host
// description of the same services, and says what docs/decisions/0142 promises; its host script
// is shellcheck-clean, and the deploy commands choose it with --target swarm. The stack runs for
// real only in the Docker suite's Swarm scenario (tests/docker/swarm.suite.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { hostCommand, platformOf } from '../../scripts/deploy/remote.ts';
import { rootDir } from '../../src/core/config/paths.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read by the assertions below
const yaml = (path: string): any => parse(readFileSync(join(rootDir, path), 'utf8'));
const compose = yaml('compose.prod.yml');
const stack = yaml('deploy/swarm/stack.yml');
const singleNode = yaml('deploy/swarm/stack.single-node.yml');
const dockerfileCmd = JSON.parse(
  /^CMD (\[.*\])$/m.exec(readFileSync(join(rootDir, 'Dockerfile'), 'utf8'))?.[1] ?? '[]',
);
// The settings file, read by Node before the app starts, as a Swarm secret.
const ENV_FILE = '--env-file=/run/secrets/env';

describe('the Swarm stack', () => {
  test('has the services of compose.prod.yml: the databases only with the single-node file', () => {
    const all = Object.keys(compose.services).sort();
    const databases = ['mongo', 'redis'].filter((name) => all.includes(name));
    assert.deepEqual(
      Object.keys(stack.services).sort(),
      all.filter((n) => !databases.includes(n)),
    );
    assert.deepEqual(
      Object.keys(singleNode.services).filter((name) => !(name in stack.services)),
      databases,
    );
    for (const name of databases) {
      const { image, command, healthcheck } = compose.services[name];
      assert.deepEqual(
        { image, command, healthcheck },
        {
          image: singleNode.services[name].image,
          command: singleNode.services[name].command,
          healthcheck: singleNode.services[name].healthcheck,
        },
        `${name} runs as on one host`,
      );
    }
  });

  test('app and worker run the same commands, settings and grace periods as on one host', () => {
    for (const name of ['app', 'worker'].filter((n) => n in compose.services)) {
      const one = compose.services[name];
      const swarm = stack.services[name];
      const expected = name === 'app' ? dockerfileCmd : one.command;
      const [node, ...rest] = expected;
      assert.deepEqual(swarm.command, [node, ENV_FILE, ...rest], `${name}: the command`);
      assert.equal(swarm.init, true);
      assert.equal(swarm.stop_grace_period, one.stop_grace_period);
      if (one.healthcheck) assert.deepEqual(swarm.healthcheck.test, one.healthcheck.test);
      // The same environment, except the database URLs: in the secret, or the single-node file.
      const { MONGODB_URL, REDIS_URL, ...rest1 } = one.environment;
      const { SHUTDOWN_DELAY_MS, ...rest2 } = swarm.environment;
      assert.deepEqual(rest2, rest1, `${name}: the environment`);
      assert.deepEqual(singleNode.services[name].environment, { MONGODB_URL, REDIS_URL });
      assert.deepEqual(swarm.secrets, ['env']);
      assert.match(swarm.image, /^\$\{APP_IMAGE:\?/, 'the deploy names the image');
    }
    const caddy = stack.services.caddy;
    assert.deepEqual(caddy.ports, compose.services.caddy.ports);
    assert.deepEqual(caddy.environment, compose.services.caddy.environment);
  });

  test('updates start the new task first and roll back by themselves on a failed healthcheck', () => {
    for (const name of ['app', 'worker'].filter((n) => n in stack.services)) {
      const { deploy } = stack.services[name];
      assert.equal(deploy.update_config.order, 'start-first');
      assert.equal(deploy.update_config.failure_action, 'rollback');
      assert.equal(deploy.update_config.max_failure_ratio, 0);
      assert.ok(deploy.update_config.monitor, `${name}: a monitor period`);
      assert.equal(deploy.rollback_config.order, 'start-first');
      assert.match(String(deploy.replicas), /^\$\{[A-Z]+_REPLICAS:-\d+\}$/);
    }
    assert.notEqual(stack.services.app.deploy.replicas, stack.services.worker?.deploy.replicas);
  });

  test('holds no secret: settings come from the Swarm secret, named by its content', () => {
    const text = readFileSync(join(rootDir, 'deploy/swarm/stack.yml'), 'utf8');
    for (const service of Object.values<{ environment?: object }>(stack.services)) {
      for (const key of Object.keys(service.environment ?? {}))
        assert.doesNotMatch(key, /SECRET|PASSWORD|TOKEN|_URL$/, `${key} is not in the file`);
    }
    assert.doesNotMatch(text, /env_file/);
    assert.deepEqual(stack.secrets.env, {
      name: '${STACK_ENV_SECRET:?set by swarm.sh}',
      file: './.env.production',
    });
  });

  test('Caddy sends traffic only to app tasks that answer /health/ready', () => {
    const upstream = readFileSync(join(rootDir, 'deploy/swarm/upstream.caddy'), 'utf8');
    assert.match(upstream, /dynamic a tasks\.app 3000/);
    assert.match(upstream, /health_uri \/health\/ready/);
    assert.match(upstream, /lb_try_duration/);
  });
});

describe('deploy --target', () => {
  test('host by default, swarm when asked, anything else refused', () => {
    assert.equal(platformOf(undefined), 'host');
    assert.equal(platformOf('swarm'), 'swarm');
    assert.throws(() => platformOf('kubernetes'), /--target must be host or swarm/);
  });

  test('swarm deploys and rolls back like a host; backups are where MongoDB runs', () => {
    assert.deepEqual(hostCommand('deploy', 'v1.2.0', 'r.example/a@sha256:ab', 'swarm'), [
      'deploy',
      '1.2.0',
      'r.example/a@sha256:ab',
    ]);
    assert.deepEqual(hostCommand('rollback', undefined, undefined, 'swarm'), ['rollback']);
    assert.throws(() => hostCommand('backup', undefined, undefined, 'swarm'), /MongoDB runs/);
  });
});
