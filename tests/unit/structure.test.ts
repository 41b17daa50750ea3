import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ts } from 'ts-morph';
import { rootDir } from '../../src/core/config/paths.ts';

// The core's wings, lowest first (docs/decisions/0040): a wing imports only wings listed before
// it, so every arrow in the drawing (AGENTS.md) points down.
const WINGS = [
  'config', // the environment, read and checked once; where the app's files are
  'observability', // logger, metrics, health probes, debug info, lifecycle (draining, shutdown)
  'data', // MongoDB: connection, collection specs, indexes, expiry sweeps
  'i18n', // languages and translations
  'http', // request plumbing: bodies, compression, security headers, errors, input, request log
  'views', // templates, assets, ctx.render
  'auth', // users, sessions, cookies, CSRF, signing key, roles, rate limits, sign-in, OAuth flow
  'jobs', // job definitions, registry, runner, in-process queue, daily cleanup
  'email', // templates to SMTP or the outbox, as a job
  'app', // the contract with features (Feature, AppServices) and what is built from all of them
];

const src = join(rootDir, 'src');
const core = join(src, 'core');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Every relative import of a file, type-only and dynamic ones included, as absolute paths.
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name));
}

const files = filesUnder(src).filter((file) => !/\.(test|spec)\.ts$/.test(file));
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(rootDir, file);
const wingOf = (file: string) => relative(core, file).split('/')[0] as string;
const inside = (file: string, dir: string) => !relative(dir, file).startsWith('..');

describe('structure', () => {
  test('every core file sits in a listed wing', () => {
    const loose = filesUnder(core).filter((file) => !WINGS.includes(wingOf(file)));
    assert.deepEqual(loose.map(name), [], `add a wing to WINGS and AGENTS.md, or move the file`);
    const folders = readdirSync(core, { withFileTypes: true }).filter((e) => e.isDirectory());
    assert.deepEqual(folders.map((e) => e.name).sort(), [...WINGS].sort());
  });

  test('a wing imports only the wings below it', () => {
    const upward = [];
    for (const [file, imports] of graph) {
      if (!inside(file, core)) continue;
      for (const target of imports) {
        if (!inside(target, core)) continue;
        if (WINGS.indexOf(wingOf(target)) > WINGS.indexOf(wingOf(file))) {
          upward.push(`${name(file)} -> ${name(target)}`);
        }
      }
    }
    assert.deepEqual(upward, []);
  });

  test('core imports no feature, and a feature no other feature', () => {
    const features = join(src, 'features');
    const wrong = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        if (!inside(target, features) || relative(features, target) === 'index.ts') continue;
        const own = relative(features, target).split('/')[0] as string;
        const fromCore = inside(file, core);
        const fromOther =
          inside(file, features) &&
          file !== join(features, 'index.ts') &&
          !inside(file, join(features, own));
        if (fromCore || fromOther) wrong.push(`${name(file)} -> ${name(target)}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('no import cycles, type-only imports included', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === 'open') {
          cycles.push([...path.slice(path.indexOf(target)), file, target].map(name).join(' -> '));
        } else if (!state.has(target)) {
          visit(target, [...path, file]);
        }
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
