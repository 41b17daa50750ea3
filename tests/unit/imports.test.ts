import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';

// An ES import of node:http (or of @koa/router's ES build, which makes one) evaluates every export
// of node:http, WebSocket included, and loads Node's fetch and WebSocket client: 13 MB of memory
// in every process (docs/decisions/0090). Type-only imports are erased and cost nothing.
const COSTLY =
  /^import\s+(?!type\b)[^;]*?from\s+'(node:http|node:https|http|https|@koa\/router)'/gm;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(entry.name) && !/\.(test|spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

test('app code loads node:http and @koa/router without an ES import', () => {
  const found = sources(join(rootDir, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(COSTLY)].map(
      (match) => `${relative(rootDir, file)}: ${match[0]}`,
    ),
  );
  assert.deepEqual(
    found,
    [],
    "use Router from src/core/config/koa-router.ts and process.getBuiltinModule('node:http')",
  );
});
