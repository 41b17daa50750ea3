import type Router from '@koa/router';
import type { AppServices } from '../../core/app/feature.ts';
import { DASHBOARD_PATH } from './dashboard.ts';
import { BullJobQueue } from './queue.ts';
import { sampleJob } from './sample-job.ts';

const ENQUEUED_ID = /^[\w:-]{1,64}$/;

// /debug/jobs (development only): the registered jobs, the queue's counts, and a button that
// enqueues the sample job (its form carries the CSRF token; the job is harmless).
export function debugJobRoutes(router: Router, { jobs }: AppServices) {
  router.get('jobs.debug', '/debug/jobs', async (ctx) => {
    const counts = jobs instanceof BullJobQueue ? await jobs.queue.getJobCounts() : undefined;
    const registered = [...jobs.registry.values()].map((job) => ({
      name: job.name,
      attempts: job.attempts ?? null,
      backoffMs: job.backoffMs ?? null,
      schedule: job.schedule?.cron ?? null,
    }));
    const queue = jobs instanceof BullJobQueue ? jobs.queue.name : undefined;
    ctx.set('Cache-Control', 'no-store');
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = { mode: jobs.mode, queue, counts, jobs: registered };
      return;
    }
    const enqueued = String(ctx.query.enqueued ?? '');
    ctx.render('jobs/debug', {
      mode: jobs.mode,
      queue,
      counts,
      registered,
      dashboard: queue ? DASHBOARD_PATH : undefined,
      enqueued: ENQUEUED_ID.test(enqueued) ? enqueued : undefined,
    });
  });

  router.post('jobs.debug.enqueue', '/debug/jobs', async (ctx) => {
    const { id } = await jobs.enqueue(sampleJob, { message: `Sent from /debug/jobs by ${ctx.ip}` });
    if (ctx.get('HX-Request')) {
      ctx.render('jobs/enqueued', { id, mode: jobs.mode });
    } else if (ctx.accepts('html', 'json') === 'json') {
      ctx.status = 201;
      ctx.body = { id, mode: jobs.mode };
    } else {
      ctx.status = 303;
      ctx.redirect(`/debug/jobs?enqueued=${encodeURIComponent(id)}`);
    }
  });
}
