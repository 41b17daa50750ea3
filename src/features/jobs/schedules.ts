import { createHash } from 'node:crypto';
import type Bull from 'bull';
import { type JobRegistry, storedPayload } from '../../core/jobs/jobs.ts';
import type { Logger } from '../../core/observability/logger.ts';
import { jobOptions } from './queue.ts';

const TZ = 'UTC';

// Makes Redis hold exactly the schedules the code declares. Bull keys a repeatable job by name,
// jobId and cron, so adding an unchanged schedule again is a no-op, while a changed or deleted one
// would keep firing under its old key: those are removed. The jobId is a digest of the payload
// and options, because Bull builds each next run from the previous one's: without it, a changed
// payload or attempt count would never reach Redis. Safe to run from several workers at once
// (each step is idempotent).
export async function reconcileSchedules(queue: Bull.Queue, registry: JobRegistry, logger: Logger) {
  const declared = [...registry.values()].flatMap((job) => {
    if (!job.schedule) return [];
    const payload = storedPayload(job, job.schedule.payload);
    const options = jobOptions(job);
    const version = createHash('sha256')
      .update(JSON.stringify({ payload, options }))
      .digest('base64url')
      .slice(0, 16);
    return [{ job, cron: job.schedule.cron, payload, options, version }];
  });
  for (const existing of await queue.getRepeatableJobs()) {
    const wanted = declared.some(
      ({ job, cron, version }) =>
        job.name === existing.name &&
        cron === existing.cron &&
        existing.tz === TZ &&
        existing.id === version,
    );
    if (!wanted) {
      await queue.removeRepeatableByKey(existing.key);
      logger.info({ job: existing.name, cron: existing.cron }, 'schedule removed');
    }
  }
  for (const { job, cron, payload, options, version } of declared) {
    await queue.add(job.name, payload, { ...options, jobId: version, repeat: { cron, tz: TZ } });
  }
  logger.info({ schedules: declared.map(({ job }) => job.name) }, 'schedules reconciled');
}
