// The worker process (`node src/features/jobs/main.ts`) with the every-second job of tick-job.ts:
// tests/scale/schedules.test.ts starts several. The entry is the real one: the feature is added
// before it loads.
import { features } from '../../src/features/index.ts';
import { tickFeature } from './tick-job.ts';

features.push(tickFeature);
await import('../../src/features/jobs/main.ts');
