import type { Context } from 'koa';
import { z } from 'zod';
import type { AppServices, DebugPage } from '../../core/app/feature.ts';
import type { Router } from '../../core/config/koa-router.ts';
import { type JobDefinition, JobPayloadError } from '../../core/jobs/jobs.ts';
import { DASHBOARD_PATH } from './dashboard.ts';
import { BullJobQueue } from './queue.ts';
import { sampleJob } from './sample-job.ts';

const EXAMPLE = JSON.stringify({ message: 'Sent from /debug/jobs' }, null, 2);

const enqueueInput = z.object({
  name: z.string().max(200).default(''),
  // A form sends the payload as JSON text; a JSON request may send the value itself.
  payload: z.unknown(),
});

type Outcome = { ok: true; name: string; id: string } | { ok: false; message: string };

// The payload's JSON Schema (zod's), as the enqueue form shows it; null for a schema JSON Schema
// cannot express (a transform, say).
function schemaOf(job: JobDefinition) {
  try {
    return z.toJSONSchema(job.payload, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}

// /debug/jobs (development only): the defined jobs with their payload schemas, the queue's
// counts, and a form that enqueues any job by name with a JSON payload, validated by the job's
// schema before anything is queued (in-process mode runs it at once).
export function debugJobPages(router: Router, { jobs }: AppServices): DebugPage[] {
  async function enqueue(ctx: Context): Promise<Outcome> {
    const { t } = ctx.state;
    const input = enqueueInput.safeParse(ctx.request.body ?? {});
    if (!input.success)
      return { ok: false, message: t('jobs:debug.enqueue.unknown', { name: '' }) };
    const { name } = input.data;
    const job = jobs.registry.get(name);
    if (!job) return { ok: false, message: t('jobs:debug.enqueue.unknown', { name }) };
    let payload = input.data.payload;
    if (typeof payload === 'string') {
      try {
        payload = JSON.parse(payload);
      } catch (error) {
        return {
          ok: false,
          message: t('jobs:debug.enqueue.json', { message: (error as Error).message }),
        };
      }
    }
    try {
      const { id } = await jobs.enqueue(job, payload);
      return { ok: true, name, id };
    } catch (error) {
      // A payload that does not fit, or (in-process) the job's own failure: said, not thrown.
      if (!(error instanceof JobPayloadError) && jobs.mode !== 'inline') throw error;
      return {
        ok: false,
        message: t('jobs:debug.enqueue.failed', { message: (error as Error).message }),
      };
    }
  }

  async function page(ctx: Context, outcome?: Outcome) {
    const sent = (ctx.request.body ?? {}) as { name?: unknown; payload?: unknown };
    const counts = jobs instanceof BullJobQueue ? await jobs.queue.getJobCounts() : undefined;
    const registered = [...jobs.registry.values()].map((job) => ({
      name: job.name,
      attempts: job.attempts ?? null,
      backoffMs: job.backoffMs ?? null,
      schedule: job.schedule?.cron ?? null,
      secretPayload: job.secretPayload === true,
      schema: schemaOf(job),
    }));
    const queue = jobs instanceof BullJobQueue ? jobs.queue.name : undefined;
    ctx.set('Cache-Control', 'no-store');
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = { mode: jobs.mode, queue, counts, jobs: registered };
      return;
    }
    ctx.render('jobs/debug', {
      mode: jobs.mode,
      queue,
      counts,
      registered,
      dashboard: queue ? DASHBOARD_PATH : undefined,
      selected: outcome?.ok === false ? String(sent.name ?? '') : sampleJob.name,
      payload: outcome?.ok === false ? String(sent.payload ?? '') : EXAMPLE,
      outcome,
    });
  }

  router.get('/jobs', (ctx) => page(ctx));

  router.post('/jobs', async (ctx) => {
    const outcome = await enqueue(ctx);
    if (ctx.accepts('html', 'json') === 'json' && !ctx.get('HX-Request')) {
      ctx.status = outcome.ok ? 201 : 422;
      ctx.body = outcome.ok
        ? { name: outcome.name, id: outcome.id, mode: jobs.mode }
        : { error: outcome.message };
      return;
    }
    if (!ctx.get('HX-Request')) {
      // Without JavaScript: the page again, with the outcome (and a refused payload kept).
      if (!outcome.ok) ctx.status = 422;
      return page(ctx, outcome);
    }
    // HTMX swaps only 2xx answers: a refusal is shown in place with 200.
    ctx.set('Cache-Control', 'no-store');
    ctx.render('jobs/enqueued', { outcome, mode: jobs.mode });
  });

  return [{ path: '/debug/jobs', title: 'jobs:debug.title', summary: 'jobs:debug.summary' }];
}
