import packageJson from '../../../package.json' with { type: 'json' };
import { defineFeature } from '../../core/app/feature.ts';

// The landing page: what this project is, where to go next, and one HTMX interaction (a status
// panel that swaps in a server-rendered partial) as a working example of the pattern.
export const home = defineFeature({
  name: 'home',
  routes(router, { db }) {
    router.get('home', '/', (ctx) => {
      ctx.render('home/index');
    });
    router.get('home.status', '/status', async (ctx) => {
      const started = performance.now();
      let databaseOk = true;
      try {
        await db.ping();
      } catch {
        databaseOk = false;
      }
      ctx.set('Cache-Control', 'no-store');
      ctx.render('home/status', {
        databaseOk,
        pingMs: Math.max(1, Math.round(performance.now() - started)),
        uptimeSeconds: Math.floor(process.uptime()),
        node: process.version,
        version: packageJson.version,
        checkedAt: new Date(),
      });
    });
  },
});
