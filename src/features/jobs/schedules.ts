import type Bull from 'bull';
import { type JobRegistry, storedPayload } from '../../core/jobs.ts';
import type { Logger } from '../../core/logger.ts';
import { jobOptions } from './queue.ts';

const TZ = 'UTC';

// Makes Redis hold exactly the schedules the code declares. Bull keys a repeatable job by name
// and cron, so adding an unchanged schedule again is a no-op, while a changed or deleted one
// would keep firing under its old key: those are removed. Safe to run from several workers at
// once (each step is idempotent).
export async function reconcileSchedules(queue: Bull.Queue, registry: JobRegistry, logger: Logger) {
  const declared = [...registry.values()].flatMap((job) =>
    job.schedule ? [{ job, schedule: job.schedule }] : [],
  );
  for (const existing of await queue.getRepeatableJobs()) {
    const wanted = declared.some(
      ({ job, schedule }) =>
        job.name === existing.name && schedule.cron === existing.cron && existing.tz === TZ,
    );
    if (!wanted) {
      await queue.removeRepeatableByKey(existing.key);
      logger.info({ job: existing.name, cron: existing.cron }, 'schedule removed');
    }
  }
  for (const { job, schedule } of declared) {
    await queue.add(job.name, storedPayload(job, schedule.payload), {
      ...jobOptions(job),
      repeat: { cron: schedule.cron, tz: TZ },
    });
  }
  logger.info({ schedules: declared.map(({ job }) => job.name) }, 'schedules reconciled');
}
