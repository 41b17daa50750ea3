// compose.prod.yml is what runs on a production host: only Caddy is reachable from outside, the app
// runs the released image, and the services a deploy does not replace keep their data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { rootDir } from '../../src/core/config/paths.ts';

type Service = {
  image?: string;
  build?: unknown;
  ports?: string[];
  profiles?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
};
const compose: { services: Record<string, Service> } = parse(
  readFileSync(join(rootDir, 'compose.prod.yml'), 'utf8'),
);
const { services } = compose;

test('only Caddy publishes ports: 80, 443 and 443/udp (HTTP/3)', () => {
  for (const [name, service] of Object.entries(services)) {
    if (name !== 'caddy') assert.equal(service.ports, undefined, `${name} publishes a port`);
  }
  assert.deepEqual(services.caddy?.ports, ['80:80', '443:443', '443:443/udp']);
});

test('the app and worker run the registry image, never a build, and only when deployed', () => {
  for (const name of ['app', 'worker'].filter((n) => services[n])) {
    const service = services[name] as Service;
    assert.equal(service.build, undefined, name);
    assert.match(service.image ?? '', /^\$\{APP_IMAGE:-ghcr\.io\/[a-z0-9-]+\/[a-z0-9-]+:latest\}$/);
    // The deploy script starts them; `docker compose up` alone must not.
    assert.deepEqual(service.profiles, ['release'], name);
  }
});

test('images of Caddy, MongoDB and Redis are variables whose defaults are the official images', () => {
  assert.equal(services.caddy?.image, '${CADDY_IMAGE:-caddy:2}');
  assert.equal(services.mongo?.image, '${MONGO_IMAGE:-mongo:8}');
  if (services.redis) assert.equal(services.redis.image, '${REDIS_IMAGE:-redis:7}');
});

test('Caddy keeps certificates, MongoDB and Redis keep data in named volumes', () => {
  assert.ok(services.caddy?.volumes?.includes('caddy-data:/data'));
  assert.ok(services.caddy?.volumes?.includes('caddy-config:/config'));
  assert.ok(services.caddy?.volumes?.includes('./caddy:/etc/caddy:ro'));
  assert.ok(services.mongo?.volumes?.includes('mongo-data:/data/db'));
  if (services.redis) assert.ok(services.redis.volumes?.includes('redis-data:/data'));
});

test('the Caddyfile serves DOMAIN with HSTS, compression, a body limit and the deployed upstream', () => {
  const caddyfile = readFileSync(join(rootDir, 'deploy/caddy/Caddyfile'), 'utf8');
  assert.match(caddyfile, /^\{\$DOMAIN\} \{$/m);
  assert.match(caddyfile, /header Strict-Transport-Security "max-age=\d+/);
  assert.match(caddyfile, /encode zstd gzip/);
  assert.match(caddyfile, /max_size \d+MB/);
  assert.match(caddyfile, /import upstream\.caddy/);
});
