import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/paths.ts';

// Template histories for the update tests: this checkout's files as the first release of a real
// git repository, later "releases" as commits and tags made by the tests, and projects set up
// from a release by that release's own setup CLI, as a person would.

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  })
    .toString()
    .trim();

const made: string[] = [];
export const cleanupFixtures = () => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
};
export function tempDir(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
export function write(dir: string, path: string, text: string) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}
/** Replaces `from` by `to` in a file, failing when `from` is not there (so fixtures stay true). */
export function edit(dir: string, path: string, from: string | RegExp, to: string) {
  const text = read(dir, path);
  const next = text.replace(from, to);
  if (next === text) throw new Error(`fixture: ${String(from)} is not in ${path}`);
  writeFileSync(join(dir, path), next);
}
// biome-ignore lint/suspicious/noExplicitAny: fixtures edit JSON of any shape.
export function editJson(dir: string, path: string, change: (value: Record<string, any>) => void) {
  const value = JSON.parse(read(dir, path));
  change(value);
  writeFileSync(join(dir, path), `${JSON.stringify(value, null, 2)}\n`);
}

/** A template repository whose first commit, tagged `tag`, is this checkout's files. */
export function templateRepository(tag = 'v0.1.0') {
  const dir = tempDir('template-');
  for (const file of new Tree(rootDir).list()) cpSync(join(rootDir, file), join(dir, file));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Template');
  git(dir, 'tag', tag);
  return {
    dir,
    /** Commits the template's changes made by `change(dir)`, tagged `tag` when given. */
    release(tag: string | undefined, change: (dir: string) => void) {
      change(dir);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', tag ?? 'Change');
      if (tag) {
        editJson(dir, 'package.json', (pkg) => {
          pkg.version = tag.slice(1);
        });
        edit(
          dir,
          'CHANGELOG.md',
          /^## /m,
          `## [${tag.slice(1)}] - 2026-12-01\n\n- Release ${tag} of the fixture.\n\n## `,
        );
        git(dir, 'commit', '-q', '-am', `Release ${tag}`);
        git(dir, 'tag', tag);
      }
      return git(dir, 'rev-parse', 'HEAD');
    },
  };
}

export const ANSWERS = {
  name: 'Acme Portal',
  slug: 'acme-portal',
  description: 'The portal for Acme customers.',
  organization: 'Acme Inc',
  contactEmail: 'ops@acme.example',
  languages: ['en', 'de'],
  defaultLanguage: 'en',
  features: ['jobs', 'magic-link'],
  repository: 'acme/portal',
};

/**
 * A project made from the template at `ref` ("Use this template", then `npm run setup`): a fresh
 * history whose first commit is the configured project, with node_modules linked from here.
 */
export function projectFrom(template: string, ref: string, answers: object = ANSWERS) {
  const dir = tempDir('project-');
  git(dir, 'clone', '-q', template, '.');
  git(dir, 'checkout', '-q', ref);
  symlinkSync(join(rootDir, 'node_modules'), join(dir, 'node_modules'));
  const answersFile = join(dir, '..', `${dir.split('/').pop()}-answers.json`);
  writeFileSync(answersFile, JSON.stringify(answers));
  made.push(answersFile);
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  execFileSync(process.execPath, ['scripts/setup.ts', '--answers', answersFile, '--yes'], {
    cwd: dir,
    env,
    stdio: 'pipe',
  });
  rmSync(join(dir, '.git'), { recursive: true, force: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Set up the project');
  return dir;
}

/** Commits everything in the project as one commit (a person's edits). */
export function commitAll(dir: string, message = 'Project edits') {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}
