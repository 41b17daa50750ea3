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
import { rootDir } from '../../src/core/config/paths.ts';

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

export const BINARY_V2 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x00, 0xff]);

/**
 * A release's worth of template changes, one of each kind the engine must merge: a line at the
 * top of src/app.ts, the Dockerfile's base image (the project changes it too), a new file, a
 * deleted file, a change to a file projects may delete, a renamed file, a dependency bump, new
 * locale keys, a workflow change, a change to an optional feature, a binary file.
 */
export function templateChanges(dir: string) {
  edit(dir, 'src/app.ts', /^/, '// Template v0.2.0: app factory notes.\n');
  edit(dir, 'Dockerfile', 'FROM node:24-slim AS build', 'FROM node:24.5-slim AS build');
  write(dir, 'docs/upgrading.md', '# Upgrading\n\nRun npm run template:update.\n');
  rmSync(join(dir, 'docs/decisions/0009-speed-and-memory.md'));
  edit(dir, 'docs/decisions/0007-benchmarks.md', 'Status: accepted', 'Status: accepted (v0.2.0)');
  git(
    dir,
    'mv',
    'docs/decisions/0001-typescript-without-a-build-step.md',
    'docs/decisions/0001-typescript-no-build.md',
  );
  editJson(dir, 'package.json', (pkg) => {
    pkg.dependencies.koa = '^3.3.1';
  });
  editJson(dir, 'locales/en/common.json', (common) => {
    common.nav.help = 'Help';
  });
  editJson(dir, 'locales/es/common.json', (common) => {
    common.nav.help = 'Ayuda';
  });
  edit(dir, '.github/workflows/ci.yml', 'name: CI\n', 'name: CI\n# v0.2.0: workflow comment\n');
  edit(dir, 'src/features/jobs/index.ts', /^/, '// Template v0.2.0: jobs change.\n');
  writeFileSync(join(dir, 'assets/badge.bin'), BINARY_V2);
}

/**
 * Typical edits of a project (answers with languages en and es): the end of a file the template
 * changes elsewhere, the line the template changes, a file the template renames, two deleted
 * files (one the template changes later), an own dependency beside the one the template bumps,
 * own locale keys and a changed translation.
 */
export function projectEdits(dir: string) {
  edit(dir, 'src/app.ts', /\n$/, '\n// Acme: our own note at the end.\n');
  edit(dir, 'Dockerfile', 'FROM node:24-slim AS build', 'FROM node:24.1-slim AS build');
  edit(
    dir,
    'docs/decisions/0001-typescript-without-a-build-step.md',
    'Status: accepted',
    'Status: accepted (Acme agrees)',
  );
  rmSync(join(dir, 'docs/decisions/0007-benchmarks.md'));
  rmSync(join(dir, 'docs/decisions/0008-observability-and-shutdown.md'));
  editJson(dir, 'package.json', (pkg) => {
    pkg.dependencies['koa-acme'] = '^1.0.0';
    pkg.dependencies = Object.fromEntries(Object.entries(pkg.dependencies).sort());
  });
  editJson(dir, 'locales/en/common.json', (common) => {
    common.nav.acme = 'Acme';
  });
  editJson(dir, 'locales/es/common.json', (common) => {
    common.nav.acme = 'Acme ES';
    common.nav.label = 'Menú';
  });
  commitAll(dir);
}
