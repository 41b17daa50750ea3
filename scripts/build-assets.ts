// Builds everything the server reads from public/build/: Tailwind + daisyUI CSS (only the classes
// in use; one stylesheet for every page, one for the development pages), HTMX + assets/app.js as
// one script, and the favicon, each fingerprinted and precompressed (gzip, brotli); the manifest
// of their URLs; and the compiled Pug templates (views.cjs, see build-views.ts). `--watch`
// rebuilds, with Pug debug info, when assets or templates change.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildDir, rootDir } from '../src/core/config/paths.ts';
import type { Manifest } from '../src/core/views/assets.ts';
import { buildViews } from './build-views.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

// assets/app.css for every page, assets/debug.css for the development pages (both import theme.css).
async function buildCss(entry: 'app.css' | 'debug.css'): Promise<Buffer> {
  // The CLI package exports only its package.json; its bin is the entry.
  const cliPackage = require.resolve('@tailwindcss/cli/package.json');
  const cli = join(cliPackage, '..', require(cliPackage).bin.tailwindcss);
  const output = join(await mkdtemp(join(tmpdir(), 'assets-')), entry);
  await run(
    process.execPath,
    [cli, '-i', join(rootDir, 'assets', entry), '-o', output, '--minify'],
    {
      cwd: rootDir,
    },
  );
  const css = await readFile(output);
  await rm(dirname(output), { recursive: true });
  return css;
}

async function buildJs(): Promise<Buffer> {
  const htmx = await readFile(require.resolve('htmx.org/dist/htmx.min.js'));
  const ours = await readFile(join(rootDir, 'assets/app.js'));
  return Buffer.concat([htmx, Buffer.from('\n;\n'), ours]);
}

export async function buildAssets({ debug = false } = {}): Promise<Manifest> {
  const views = buildViews({ debug });
  const [appCss, debugCss] = await Promise.all([buildCss('app.css'), buildCss('debug.css')]);
  const outputs: Record<string, Buffer> = {
    'app.css': appCss,
    'debug.css': debugCss,
    'app.js': await buildJs(),
    'favicon.svg': await readFile(join(rootDir, 'assets/favicon.svg')),
  };
  // Build beside the live folder and swap it in, so a running server never reads half a build.
  const next = `${buildDir}.next`;
  await rm(next, { recursive: true, force: true });
  const manifest: Manifest = {};
  for (const [name, content] of Object.entries(outputs)) {
    const hash = createHash('sha256').update(content).digest('base64url').slice(0, 12);
    const file = `${hash}/${name}`;
    await mkdir(join(next, hash), { recursive: true });
    await writeFile(join(next, file), content);
    await writeFile(join(next, `${file}.gz`), gzipSync(content, { level: 9 }));
    await writeFile(
      join(next, `${file}.br`),
      brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    manifest[name] = { url: `/static/${file}`, file };
  }
  await writeFile(join(next, 'views.cjs'), views);
  await writeFile(join(next, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(buildDir, { recursive: true, force: true });
  await rename(next, buildDir);
  return manifest;
}

function urls(manifest: Manifest) {
  return Object.values(manifest)
    .map(({ url }) => url)
    .join(', ');
}

export function watchAssets(onBuilt: (manifest: Manifest) => void, { debug = false } = {}) {
  let timer: NodeJS.Timeout | undefined;
  let building = Promise.resolve();
  const rebuild = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      building = building.then(async () => {
        try {
          onBuilt(await buildAssets({ debug }));
        } catch (error) {
          console.error(`[assets] build failed: ${(error as Error).message}`);
        }
      });
    }, 150);
  };
  const watchers = ['assets', 'views', 'src'].map((dir) =>
    watch(join(rootDir, dir), { recursive: true }, (_event, file) => {
      // Only files that can change the CSS, JS or views (the stylesheets scan templates, not
      // code); the server restarts for the rest.
      if (file && /\.(css|js|pug)$/.test(file)) rebuild();
    }),
  );
  return () => {
    for (const watcher of watchers) watcher.close();
  };
}

if (import.meta.main) {
  const started = performance.now();
  const watching = process.argv.includes('--watch');
  const manifest = await buildAssets({ debug: watching });
  console.log(`[assets] built ${urls(manifest)} in ${Math.round(performance.now() - started)} ms`);
  if (watching) {
    console.log('[assets] watching assets/, views/ and src/');
    watchAssets((m) => console.log(`[assets] rebuilt ${urls(m)}`), { debug: true });
  }
}
