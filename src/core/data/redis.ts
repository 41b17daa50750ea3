import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.ts';
import type { Lifecycle } from '../observability/lifecycle.ts';

/** The process's Redis connection, opened on first call; undefined without REDIS_URL. */
export type RedisConnection = () => Redis;

const require = createRequire(import.meta.url);

// One connection per process for everything that sends plain commands (rate limits, the job
// queue's adds): ioredis pipelines them, so a second connection would add memory and a socket,
// not throughput. Opened, and ioredis loaded, on first use. A command fails after one reconnection
// attempt (a request must not hang while Redis is down); reconnection is tried every 2 s at most.
// Errors surface as rejected commands and in the readiness check, not as unhandled events.
export function redisConnection(
  config: Pick<Config, 'REDIS_URL'>,
  lifecycle: Lifecycle,
): RedisConnection | undefined {
  const url = config.REDIS_URL;
  if (!url) return undefined;
  let client: Redis | undefined;
  return () => {
    if (client) return client;
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    const opened = new RedisClient(url, {
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 200, 2_000),
    });
    opened.on('error', () => {});
    lifecycle.onShutdown(() => opened.quit());
    client = opened;
    return opened;
  };
}
