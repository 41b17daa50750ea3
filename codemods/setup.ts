import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Answers } from './answers.ts';
import { type Codemod, type Progress, type RenderOptions, renderInMemory } from './engine.ts';
import { removeFeatures } from './features.ts';
import { locales } from './locales.ts';
import { rename } from './rename.ts';
import { state } from './state.ts';
import type { Change } from './tree.ts';

// In this order: features first (their locale files must be gone before languages are copied),
// then languages, names, and last the record of what was done.
export const setupCodemods: Codemod[] = [removeFeatures, locales, rename, state];

export class AlreadyConfiguredError extends Error {
  constructor() {
    super(
      'This project is already set up (.template/state.json says configured). Setup runs once, on a fresh ' +
        'copy of the template; to change answers later, edit the code, or start again from the template.',
    );
    this.name = 'AlreadyConfiguredError';
  }
}

export function isConfigured(root: string): boolean {
  const path = join(root, '.template/state.json');
  return existsSync(path) && JSON.parse(readFileSync(path, 'utf8')).configured === true;
}

/**
 * Sets up the project in `root`: runs every codemod in memory, writes the result in one go (a
 * failing codemod leaves the folder untouched), then formats the written files with the project's
 * formatter. Deterministic: the same tree and answers give the same bytes.
 */
export function setUp(
  root: string,
  answers: Answers,
  options: RenderOptions,
  { onProgress, rerun = false }: { onProgress?: Progress; rerun?: boolean } = {},
): Change[] {
  // `rerun` renders over an already configured tree: the update flow and the idempotency test.
  if (!rerun && isConfigured(root)) throw new AlreadyConfiguredError();
  const tree = renderInMemory(root, answers, options, setupCodemods, onProgress);
  const changes = tree.commit();
  format(
    root,
    changes.filter((c) => c.type === 'write').map((c) => c.path),
  );
  return changes;
}

// Biome formats TypeScript, JSON and CSS; other files are written in their final form.
export function format(root: string, paths: string[]) {
  const formattable = paths.filter((p) => /\.(ts|json|css|js)$/.test(p));
  if (formattable.length === 0) return;
  const biome = join(root, 'node_modules', '.bin', 'biome');
  if (!existsSync(biome))
    throw new Error('Biome is not installed here: run npm install, then setup again.');
  execFileSync(biome, ['format', '--write', ...formattable], { cwd: root, stdio: 'pipe' });
}

/** The template's commit, for the lock file: the checkout's HEAD. */
export function headCommit(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}
