import { createRequire } from 'node:module';
import type { Context, Middleware } from 'koa';
import type * as Limiters from 'rate-limiter-flexible';
import type { Config } from '../config/config.ts';
import { type Database, defineCollection } from '../data/db.ts';
import { type RedisConnection, redisConnection } from '../data/redis.ts';
import type { HealthCheck } from '../observability/health.ts';
import type { Lifecycle } from '../observability/lifecycle.ts';

type Counter = { key: string; points: number; expire: Date | null };
export const rateLimitCounters = defineCollection<Counter>(
  'rateLimits',
  [{ key: { key: 1 }, name: 'key_unique', unique: true }],
  { expiresField: 'expire' },
);

export type RateLimitOptions = { points: number; durationSeconds: number };

export type RateLimit = {
  /** Counts one attempt for `key`; over the limit it throws a 429 with Retry-After. */
  consume(ctx: Context, key: string): Promise<void>;
  /** Forgets `key` (e.g. after a successful sign-in). */
  reset(key: string): Promise<void>;
};

export type RateLimits = {
  create(name: string, options: RateLimitOptions): RateLimit;
  readinessChecks: HealthCheck[];
};

type StoreOptions = {
  config: Config;
  db: Database;
  lifecycle: Lifecycle;
  /** The process's shared connection; by default one of the limiters' own. */
  redis?: RedisConnection | undefined;
};

// Loaded file by file, and Redis only when configured: the package's index loads every store it
// supports (SQL, DynamoDB, etcd...) and ioredis is large; together they cost the idle process
// ~10 MB it would never use (docs/decisions/0009 budgets memory).
const require = createRequire(import.meta.url);
const lib = (name: string) => require(`rate-limiter-flexible/lib/${name}.js`);
const RateLimiterMemory: typeof Limiters.RateLimiterMemory = lib('RateLimiterMemory');
const RateLimiterMongo: typeof Limiters.RateLimiterMongo = lib('RateLimiterMongo');
const RateLimiterRes: typeof Limiters.RateLimiterRes = lib('RateLimiterRes');

// rate-limiter-flexible counts in Redis when REDIS_URL is set, otherwise in MongoDB (expiry is
// checked in its queries; our sweep deletes old counters). If the store fails, an in-memory
// limiter of the same size takes over for that process, so an outage neither blocks every request
// nor lifts the limits. Keys are prefixed with the database name: apps sharing a Redis stay apart.
export function createRateLimits({
  config,
  db,
  lifecycle,
  redis = redisConnection(config, lifecycle),
}: StoreOptions): RateLimits {
  const prefix = db.db.databaseName;
  // The process's Redis connection opens with the first limiter (a worker makes none). Limiters
  // skip Redis while it is not connected (rejectIfRedisNotReady); the readiness ping waits for it.
  const store = (name: string, { points, durationSeconds }: RateLimitOptions) => {
    const common = { points, duration: durationSeconds, keyPrefix: `${prefix}:${name}` };
    const insuranceLimiter = new RateLimiterMemory(common);
    if (redis) {
      const RateLimiterRedis: typeof Limiters.RateLimiterRedis = lib('RateLimiterRedis');
      return new RateLimiterRedis({
        ...common,
        storeClient: redis(),
        rejectIfRedisNotReady: true,
        insuranceLimiter,
      });
    }
    return new RateLimiterMongo({
      ...common,
      storeClient: db.client,
      dbName: db.db.databaseName,
      tableName: rateLimitCounters.name,
      disableIndexesCreation: true,
      insuranceLimiter,
    });
  };
  return {
    create(name, options) {
      const limiter: Limiters.RateLimiterAbstract = store(name, options);
      return {
        async consume(ctx, key) {
          try {
            await limiter.consume(key);
          } catch (result) {
            if (!(result instanceof RateLimiterRes)) throw result;
            const seconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
            ctx.throw(429, { headers: { 'Retry-After': String(seconds) } });
          }
        },
        async reset(key) {
          await limiter.delete(key);
        },
      };
    },
    readinessChecks: redis
      ? [
          {
            name: 'redis',
            check: async () => {
              await redis().ping();
            },
          },
        ]
      : [],
  };
}

const LIMITED_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The general per-IP limit: every unsafe request and everything under /auth/ (sign-in links and
// provider callbacks), where abuse costs emails, queries and provider calls. Plain page views are
// not counted: a lookup per view would cost more than the views (docs/decisions/0022). The path is
// compared as the router matches it, without regard to case: /AUTH/ is /auth/.
export function limitPerIp(limit: RateLimit): Middleware {
  // Not async: most requests pass straight through, without a promise of their own.
  return function limitPerIp(ctx, next) {
    if (!LIMITED_METHODS.has(ctx.method) && !/^\/auth\//i.test(ctx.path)) return next();
    return limit.consume(ctx, ctx.ip).then(next);
  };
}
