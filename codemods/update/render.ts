import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Answers, canonicalAnswers } from './answers-edit.ts';
import type { TemplateSource } from './template-source.ts';
import { toolchainFor } from './toolchain.ts';

// Bump when the way renders are made changes, so older cached renders are not reused.
const RENDER_FORMAT = 1;

export class RenderError extends Error {
  constructor(commit: string, output: string) {
    super(
      `The template at ${commit.slice(0, 12)} could not be rendered with these answers:\n${output.trim()}`,
    );
    this.name = 'RenderError';
  }
}

/** A digest of the answers, independent of key order. */
export function answersDigest(answers: Answers): string {
  return createHash('sha256')
    .update(`${RENDER_FORMAT}\n${canonicalAnswers(answers)}`)
    .digest('hex')
    .slice(0, 16);
}

export type RenderContext = {
  source: TemplateSource;
  cacheDir: string;
  /** node_modules of the project running the update: reused when the version's lockfile fits. */
  nodeModules: string;
  progress: (message: string) => void;
};

/**
 * The tree (a git tree id in the template cache) of the template at `commit` set up with
 * `answers` by that commit's own setup CLI: exactly what `npm run setup` made of that version.
 * Cached by (commit, answers).
 */
export function render(context: RenderContext, commit: string, answers: Answers, label: string) {
  const { source, cacheDir, progress } = context;
  const ref = `refs/renders/${commit}/${answersDigest(answers)}`;
  try {
    const tree = source.repo.text(['rev-parse', '--verify', '--quiet', `${ref}^{tree}`]);
    progress(`Rendering ${label}: cached`);
    return tree;
  } catch {}

  progress(`Rendering ${label}…`);
  mkdirSync(join(cacheDir, 'work'), { recursive: true });
  const dir = mkdtempSync(join(cacheDir, 'work', 'render-'));
  const index = `${dir}.index`;
  const env = { GIT_INDEX_FILE: index };
  try {
    // A checkout of that commit without a repository (so the setup CLI walks files, as on a copy).
    source.repo.text(['read-tree', commit], { env });
    source.repo.text(['--work-tree', dir, 'checkout-index', '-a', '-f'], { env });
    rmSync(index);
    symlinkSync(
      toolchainFor(dir, context.nodeModules, cacheDir, progress),
      join(dir, 'node_modules'),
    );
    const answersFile = join(dir, '..', `${answersDigest(answers)}-${process.pid}.json`);
    writeFileSync(answersFile, JSON.stringify(answers));
    try {
      const { NODE_OPTIONS: _, NODE_TEST_CONTEXT: __, ...env } = process.env;
      execFileSync(process.execPath, ['scripts/setup.ts', '--answers', answersFile, '--yes'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new RenderError(commit, `${stderr ?? ''}${stdout ?? ''}` || (error as Error).message);
    } finally {
      rmSync(answersFile, { force: true });
    }
    // The result as a tree, ignoring what the render's .gitignore ignores (node_modules, builds).
    source.repo.text(['--work-tree', dir, 'add', '-A', '.'], { env, cwd: dir });
    const tree = source.repo.text(['write-tree'], { env });
    const stored = source.repo.text(['commit-tree', tree, '-m', `render ${label}`]);
    source.repo.text(['update-ref', ref, stored]);
    return tree;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(index, { force: true });
  }
}
