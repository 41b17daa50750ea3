import type { Router } from '../../config/koa-router.ts';
import { type Assets, FIRST_LOAD_BUDGET_BYTES } from '../../views/assets.ts';
import type { DebugPage } from '../feature.ts';
import { respond } from './respond.ts';

// What a first visit downloads besides the page itself (the favicon is not counted, as in
// `npm run bench`'s first-load figure; debug.css is for these pages only).
const FIRST_LOAD = /^app\.(css|js)$/;

// /debug/assets: the files `npm run build` made, as this process serves them, with their sizes
// raw, gzip and brotli, and the stylesheet and script's share of the first-load budget.
export function assetsPage(router: Router, assets: Assets): DebugPage {
  router.get('/assets', (ctx) => {
    const files = assets.files().map((file) => ({
      ...file,
      firstLoad: FIRST_LOAD.test(file.name),
    }));
    const firstLoadGzip = files.reduce((sum, file) => sum + (file.firstLoad ? file.gzip : 0), 0);
    respond(ctx, 'debug/assets', {
      files,
      budget: {
        bytes: FIRST_LOAD_BUDGET_BYTES,
        assetsGzip: firstLoadGzip,
        leftForHtml: FIRST_LOAD_BUDGET_BYTES - firstLoadGzip,
        within: firstLoadGzip <= FIRST_LOAD_BUDGET_BYTES,
      },
    });
  });
  return {
    path: '/debug/assets',
    title: 'common:debug.assets.title',
    summary: 'common:debug.assets.summary',
  };
}
