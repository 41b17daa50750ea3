import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Middleware } from 'koa';
import { buildDir } from '../config/paths.ts';

// Written by scripts/build-assets.ts: logical name -> fingerprinted URL under /static/<hash>/.
export type Manifest = Record<string, { url: string; file: string }>;

type Asset = { type: string; raw: Buffer; gzip: Buffer; br: Buffer };

/** A built file as served, with its sizes in bytes (for /debug/assets). */
export type BuiltAsset = {
  name: string;
  url: string;
  hash: string;
  raw: number;
  gzip: number;
  br: number;
};

// The first load of a page (its HTML, stylesheets and scripts, gzip) must stay within this
// (docs/decisions/0004); `npm run bench` measures it on `/`, /debug/assets shows the build's share.
export const FIRST_LOAD_BUDGET_BYTES = 30_000;

export type Assets = {
  url(name: string): string;
  /** The built files, in the manifest's order. */
  files(): BuiltAsset[];
  middleware: Middleware;
};

const types: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export class AssetsMissingError extends Error {
  constructor(dir: string) {
    super(
      `Built assets not found in ${dir}. Run "npm run build" (or "npm run dev", which builds and watches).`,
    );
    this.name = 'AssetsMissingError';
  }
}

// Serves the build output from memory, precompressed at build time. A fingerprinted URL never
// changes content, so browsers may cache it forever; unknown hashes are plain 404s.
export function loadAssets(dir = buildDir): Assets {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new AssetsMissingError(dir);
  const manifest: Manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const byUrl = new Map<string, Asset>();
  for (const { url, file } of Object.values(manifest)) {
    const path = join(dir, file);
    byUrl.set(url, {
      type: types[extname(file)] ?? 'application/octet-stream',
      raw: readFileSync(path),
      gzip: readFileSync(`${path}.gz`),
      br: readFileSync(`${path}.br`),
    });
  }
  return {
    files: () =>
      Object.entries(manifest).map(([name, { url, file }]) => {
        const { raw, gzip, br } = byUrl.get(url) as Asset;
        const hash = file.split('/')[0] as string;
        return { name, url, hash, raw: raw.length, gzip: gzip.length, br: br.length };
      }),
    url(name) {
      const entry = manifest[name];
      if (!entry) throw new Error(`No asset named "${name}" in ${manifestPath}`);
      return entry.url;
    },
    middleware: async function serveAssets(ctx, next) {
      if (!ctx.path.startsWith('/static/')) return next();
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
      const asset = byUrl.get(ctx.path);
      if (!asset) return next();
      // Prefer brotli whenever accepted: browsers list gzip first at equal weight.
      const encoding = ctx.acceptsEncodings('br')
        ? 'br'
        : ctx.acceptsEncodings('gzip')
          ? 'gzip'
          : 'identity';
      ctx.type = asset.type;
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.vary('Accept-Encoding');
      if (encoding !== 'identity') ctx.set('Content-Encoding', encoding);
      ctx.body = encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.raw;
    },
  };
}
