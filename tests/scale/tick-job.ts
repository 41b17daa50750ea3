// A job scheduled every second that records each run, for tests/scale/schedules.test.ts.
import { z } from 'zod';
import { defineFeature } from '../../src/core/app/feature.ts';
import { defineCollection } from '../../src/core/data/db.ts';
import { defineJob } from '../../src/core/jobs/jobs.ts';

export type Tick = { jobId: string; pid: number; at: Date };
export const ticks = defineCollection<Tick>('scaleTicks');

const tickJob = defineJob({
  name: 'scale.tick',
  payload: z.object({}),
  schedule: { cron: '* * * * * *', payload: {} },
  async handler(_payload, { id, services }) {
    await services.db.collection(ticks).insertOne({ jobId: id, pid: process.pid, at: new Date() });
  },
});

export const tickFeature = defineFeature({
  name: 'scale-tick',
  collections: [ticks],
  jobs: [tickJob],
});
