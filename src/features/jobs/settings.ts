import { z } from 'zod';
import { atLeast, port, type Settings, type SettingsOf } from '../../core/config/config.ts';
import { project } from '../../project.ts';

// The job queue's and the worker's settings: they exist while this feature does.
export const jobsSettings = {
  JOBS_QUEUE: z
    .string()
    .regex(/^[\w.-]{1,100}$/, 'must be letters, digits, ".", "-" or "_"')
    .default(project.slug)
    .describe('Name of the job queue in Redis; apps that share a Redis need different names.'),
  JOBS_CONCURRENCY: atLeast(1)
    .max(1000, 'must be 1000 or less')
    .default(8)
    .describe('How many jobs one worker process runs at the same time, 1-1000.'),
  JOBS_LOCK_MS: atLeast(500)
    .default(30_000)
    .describe(
      'How long a worker holds a job without renewing its lock (at least 500); a job whose ' +
        'worker crashed runs again after about twice this.',
    ),
  JOBS_REFUSED_EXIT_MS: atLeast(1000)
    .default(60_000)
    .describe(
      'How long Redis may keep refusing the worker (an ACL, a full memory, a read-only replica) ' +
        'before it exits 1 for its supervisor to restart it (at least 1000); an outage is waited out.',
    ),
  WORKER_PORT: port
    .default(3001)
    .describe('TCP port of the worker process for /health and /metrics, 0-65535 (0 picks one).'),
} satisfies Settings;

declare module '../../core/config/config.ts' {
  interface Config extends SettingsOf<typeof jobsSettings> {}
}
