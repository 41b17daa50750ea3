// The production Caddyfile with the Swarm stack's upstream (deploy/swarm/upstream.caddy) is a
// configuration Caddy accepts: adapted and provisioned by the same Caddy the Docker suite uses.
// The stack itself runs only in tests/docker/swarm.suite.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';
import { caddyBinary } from './cluster.ts';

const dir = mkdtempSync(join(tmpdir(), 'groundwork-caddy-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('Caddy validates deploy/caddy/Caddyfile with the Swarm upstream', () => {
  copyFileSync(join(rootDir, 'deploy/caddy/Caddyfile'), join(dir, 'Caddyfile'));
  copyFileSync(join(rootDir, 'deploy/swarm/upstream.caddy'), join(dir, 'upstream.caddy'));
  const result = spawnSync(
    caddyBinary(),
    ['validate', '--config', 'Caddyfile', '--adapter', 'caddyfile'],
    {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        DOMAIN: 'app.test',
        CADDY_TLS: 'tls internal',
        XDG_DATA_HOME: dir,
        XDG_CONFIG_HOME: dir,
        HOME: dir,
      },
      timeout: 60_000,
    },
  );
  assert.ifError(result.error);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout + result.stderr, /Valid configuration/);
});
