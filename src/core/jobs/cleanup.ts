import { z } from 'zod';
import { type CollectionSpec, sweepExpired } from '../data/db.ts';
import { defineJob } from './jobs.ts';

export const CLEANUP_JOB = 'core.cleanup-expired';

// Collections with an `expiresField` (sessions, sign-in tokens, OAuth states, rate-limit
// counters) are swept every few minutes by each web process (scheduleSweeps in db.ts); this daily
// job sweeps them too, from the worker when there is one, so they stay small even while no web
// process runs. Queries check expiry themselves: neither sweep is needed for correctness, and no
// TTL index is relied on (not every MongoDB-wire server runs them).
export function cleanupJob(collections: CollectionSpec[]) {
  return defineJob({
    name: CLEANUP_JOB,
    payload: z.object({}),
    schedule: { cron: '30 3 * * *', payload: {} },
    attempts: 3,
    backoffMs: 60_000,
    async handler(_payload, { services, log }) {
      const deleted = await sweepExpired(services.db, collections);
      log.info({ deleted }, 'expired documents removed');
    },
  });
}
