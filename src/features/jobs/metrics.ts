import type Bull from 'bull';
import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from './queue.ts';

// Jobs per state (waiting, active, delayed, failed...), read from Redis when Prometheus scrapes.
// With Redis down the series disappear for that scrape instead of /metrics hanging or failing.
// `queue` may open the queue on first call (the web process loads Bull at the first scrape).
export function queueDepthMetric(registry: Registry, queue: () => Bull.Queue) {
  return new Gauge({
    name: 'jobs_queue_depth',
    help: 'Jobs in the queue, by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const opened = queue();
        const counts = await withTimeout(opened.getJobCounts(), 2_000, 'Redis');
        for (const [state, count] of Object.entries(counts)) {
          this.set({ queue: opened.name, state }, count);
        }
      } catch {
        // Readiness reports Redis being down; the scrape still answers.
      }
    },
  });
}
