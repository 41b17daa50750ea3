import type Router from '@koa/router';
import type { SigningKey } from '../../core/auth/signing-key.ts';
import { DOWNLOAD_PREFIX, verifyDownload } from './signed-urls.ts';
import { assertKey, dispositionHeader, NotFoundError, type Storage } from './storage.ts';

// Signed links to files on the local disk (signed-urls.ts), served like a bucket would: under the
// name and disposition the link was signed with, never sniffed or rendered as one of this app's
// pages (nosniff, and a CSP sandbox in case a browser renders it anyway).
export function downloadRoutes(router: Router, storage: Storage, signingKey: SigningKey) {
  router.get(`${DOWNLOAD_PREFIX}{*key}`, async (ctx) => {
    const key = String(ctx.params.key ?? '');
    try {
      assertKey(key);
    } catch {
      ctx.throw(404);
    }
    await signingKey.ready();
    const download = verifyDownload(signingKey, key, ctx.query);
    if (!download) return ctx.throw(403, 'This link has expired or is not valid.');
    try {
      const file = await storage.get(key);
      ctx.type = file.contentType;
      ctx.set('Content-Disposition', dispositionHeader(download.filename, download.disposition));
      ctx.length = file.size;
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
      ctx.set('Cache-Control', 'private, no-cache');
      ctx.body = file.body;
    } catch (error) {
      if (error instanceof NotFoundError) ctx.throw(404);
      throw error;
    }
  });
}
