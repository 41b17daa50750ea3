import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJob } from '../../core/jobs/jobs.ts';

// The job /debug/jobs enqueues, and the template for new ones: a name, a payload schema, a handler.
export const sampleJob = defineJob({
  name: 'jobs.sample',
  payload: z.object({
    message: z.string().min(1).max(200),
    /** Makes the job take a while (tests stop workers in the middle of one). */
    delayMs: z.number().int().min(0).max(60_000).default(0),
  }),
  async handler({ message, delayMs }, { log }) {
    if (delayMs > 0) await sleep(delayMs);
    log.info({ message }, 'sample job ran');
  },
});
