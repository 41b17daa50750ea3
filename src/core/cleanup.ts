import { z } from 'zod';
import type { CollectionSpec } from './db.ts';
import { defineJob } from './jobs.ts';

// Documents that stop mattering at a point in time (sessions, sign-in tokens...). Queries must
// still check expiry themselves: this cleanup only keeps collections small, and no TTL index is
// relied on (not every MongoDB-wire server runs them).
export type ExpiringDocuments = {
  collection: CollectionSpec;
  /** A Date field; a document whose value is in the past is deleted. */
  field: string;
};

export const CLEANUP_JOB = 'core.cleanup-expired';

// One daily job deletes what every feature registered in `expiring`. It is part of the core, so
// it runs with the queue (the worker) and without it (in-process in the web process).
export function cleanupJob(targets: ExpiringDocuments[]) {
  return defineJob({
    name: CLEANUP_JOB,
    payload: z.object({}),
    schedule: { cron: '30 3 * * *', payload: {} },
    attempts: 3,
    backoffMs: 60_000,
    async handler(_payload, { services, log }) {
      const now = new Date();
      for (const { collection, field } of targets) {
        const { deletedCount } = await services.db
          .collection(collection)
          .deleteMany({ [field]: { $lt: now } });
        log.info({ collection: collection.name, field, deleted: deletedCount }, 'expired removed');
      }
    },
  });
}
