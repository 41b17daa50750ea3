import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { project } from '../../project.ts';
import type { Config } from '../config/config.ts';
import { maskedConfig } from '../config/config.ts';
import type { Router } from '../config/koa-router.ts';
import type { Lifecycle } from './lifecycle.ts';

// Development-only introspection, added to the /debug router (src/core/app/debug/), which exists
// only when NODE_ENV is not production: there the paths do not exist at all (404).
export function debugRoutes(
  router: Router,
  config: Config,
  listRoutes: () => Array<{ methods: string[]; path: string }>,
  lifecycle: Lifecycle,
) {
  // Live reload for `npm run dev` (assets/app.js): every change restarts the server, so a page
  // that sees a new server id on this stream reloads. The stream ends as soon as the server
  // drains, or it would hold the restart for the whole SHUTDOWN_TIMEOUT_MS.
  const serverId = randomUUID();
  router.get('/reload', (ctx) => {
    const stream = new PassThrough();
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = stream;
    stream.write(`retry: 300\ndata: ${serverId}\n\n`);
    const draining = setInterval(() => lifecycle.draining && stream.end(), 100);
    stream.on('close', () => clearInterval(draining));
    ctx.req.on('close', () => stream.end());
  });
  router.get('/info', (ctx) => {
    const memory = process.memoryUsage();
    ctx.body = {
      project: project.name,
      environment: config.NODE_ENV,
      node: process.version,
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime()),
      memoryMB: {
        rss: mb(memory.rss),
        heapUsed: mb(memory.heapUsed),
        heapTotal: mb(memory.heapTotal),
      },
    };
  });
  router.get('/routes', (ctx) => {
    ctx.body = listRoutes();
  });
  router.get('/config', (ctx) => {
    ctx.body = maskedConfig(config);
  });
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
