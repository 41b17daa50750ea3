import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isConfigured } from '../../codemods/setup.ts';
import { RenderError } from '../../codemods/update/render.ts';
import {
  applyUpdate,
  DirtyTreeError,
  planUpdate,
  type UpdateRequest,
} from '../../codemods/update/update.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { audit } from './audit.ts';
import {
  ANSWERS,
  BINARY_V2,
  cleanupFixtures,
  commitAll,
  edit,
  editJson,
  git,
  projectEdits,
  projectFrom,
  read,
  tempDir,
  templateChanges,
  templateRepository,
  write,
} from './fixtures.ts';

// Template histories and projects in real git repositories; every update runs the versions' own
// setup CLIs and git's merge. Each case checks, line by line, that no project edit was lost and
// that every template change is in the result or listed as a conflict (./audit.ts).
const skip = isConfigured(rootDir) ? 'a configured project is not the template' : false;

const BINARY_V3 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x03, 0x04, 0x00, 0xfe]);

describe('template update engine', { skip }, () => {
  let template: ReturnType<typeof templateRepository>;
  let cacheDir: string;
  const update = (root: string, request: Partial<UpdateRequest> = {}) => {
    const plan = planUpdate({ root, templateUrl: template.dir, cacheDir, ...request });
    return plan;
  };

  before(() => {
    cacheDir = tempDir('update-cache-');
    template = templateRepository('v0.1.0');
    template.release('v0.2.0', templateChanges);
    template.release('v0.3.0', (dir) => {
      edit(dir, 'src/app.ts', /^/, '// Template v0.3.0: more notes.\n');
      writeFileSync(join(dir, 'assets/badge.bin'), BINARY_V3);
      edit(dir, 'src/features/jobs/index.ts', /^/, '// Template v0.3.0: jobs change.\n');
    });
  });
  after(cleanupFixtures);

  test('an update merges every template change and keeps every project edit; a second run finds nothing to do', () => {
    const project = projectFrom(template.dir, 'v0.1.0', { ...ANSWERS, languages: ['en', 'es'] });
    projectEdits(project);

    const plan = update(project, { to: 'v0.2.0' });
    assert.equal(plan.from.tag, 'v0.1.0');
    assert.equal(plan.to.tag, 'v0.2.0');
    applyUpdate(project, plan, { refreshLockfile: false });

    const result = audit(project, plan);
    assert.deepEqual(result.lostProjectLines, [], 'no project edit lost');
    assert.deepEqual(result.missingTemplateChanges, [], 'every template change merged or listed');

    // Another region: merged. The same line: a conflict with standard markers.
    const app = read(project, 'src/app.ts');
    assert.match(app, /^\/\/ Template v0\.2\.0: app factory notes\./);
    assert.match(app, /\/\/ Acme: our own note at the end\.\n$/);
    assert.match(
      read(project, 'Dockerfile'),
      /<<<<<<< project\nFROM node:24\.1-slim AS build\n=======\nFROM node:24\.5-slim AS build\n>>>>>>> template\n/,
    );
    const kinds = Object.fromEntries(plan.conflicts.map((c) => [c.path, c.kind]));
    assert.deepEqual(kinds, {
      Dockerfile: 'content',
      'docs/decisions/0007-benchmarks.md': 'deleted-here',
    });
    const deleted = plan.conflicts.find((c) => c.kind === 'deleted-here');
    assert.match(
      deleted?.diff ?? '',
      /\+Status: accepted \(v0\.2\.0\)/,
      'the template change is shown',
    );

    // New file, file deleted upstream, files deleted here (changed upstream or not), renamed file.
    assert.equal(
      read(project, 'docs/upgrading.md'),
      '# Upgrading\n\nRun npm run template:update.\n',
    );
    assert.ok(!existsSync(join(project, 'docs/decisions/0009-speed-and-memory.md')));
    assert.ok(!existsSync(join(project, 'docs/decisions/0007-benchmarks.md')));
    assert.ok(!existsSync(join(project, 'docs/decisions/0008-observability-and-shutdown.md')));
    assert.ok(!existsSync(join(project, 'docs/decisions/0001-typescript-without-a-build-step.md')));
    assert.match(
      read(project, 'docs/decisions/0001-typescript-no-build.md'),
      /Status: accepted \(Acme agrees\)/,
    );

    // package.json merged as data: the bump beside the project's own dependency; the project's
    // version is its own.
    const pkg = JSON.parse(read(project, 'package.json'));
    assert.equal(pkg.dependencies.koa, '^3.3.1');
    assert.equal(pkg.dependencies['koa-acme'], '^1.0.0');
    assert.equal(pkg.version, '0.1.0');
    assert.equal(pkg.name, 'acme-portal');
    assert.ok(plan.lockfileStale);

    // Locale files key by key.
    const en = JSON.parse(read(project, 'locales/en/common.json'));
    const es = JSON.parse(read(project, 'locales/es/common.json'));
    assert.deepEqual([en.nav.help, en.nav.acme], ['Help', 'Acme']);
    assert.deepEqual([es.nav.help, es.nav.acme, es.nav.label], ['Ayuda', 'Acme ES', 'Menú']);

    // Binary file, workflow change, the lock moved; the removed oauth features stay removed.
    assert.deepEqual(readFileSync(join(project, 'assets/badge.bin')), BINARY_V2);
    assert.deepEqual(plan.workflowChanges, ['.github/workflows/ci.yml']);
    assert.match(read(project, '.github/workflows/ci.yml'), /# v0\.2\.0: workflow comment/);
    const lock = JSON.parse(read(project, '.template/lock.json'));
    assert.equal(lock.templateCommit, plan.to.commit);
    assert.equal(lock.templateVersion, '0.2.0');
    assert.ok(!existsSync(join(project, 'src/features/oauth-github')));
    assert.equal(
      git(project, 'log', '--format=%s'),
      'Project edits\nSet up the project',
      'nothing committed',
    );

    // The person resolves the conflict and commits: the same update again has nothing to do.
    edit(project, 'Dockerfile', /<<<<<<< project\n(.*)\n=======\n.*\n>>>>>>> template\n/, '$1\n');
    commitAll(project, 'Update the template to v0.2.0');
    const again = update(project, { to: 'v0.2.0' });
    assert.equal(again.upToDate, true);
    assert.equal(again.patch.length, 0);

    // And the next release merges on top of that.
    const next = update(project);
    assert.equal(next.to.tag, 'v0.3.0');
    applyUpdate(project, next, { refreshLockfile: false });
    assert.deepEqual(audit(project, next), { lostProjectLines: [], missingTemplateChanges: [] });
    assert.deepEqual(next.conflicts, []);
    assert.deepEqual(readFileSync(join(project, 'assets/badge.bin')), BINARY_V3);
  });

  test('across two versions, without an optional feature: the feature is not brought back; reconfiguring adds it, with its template changes', () => {
    const answers = { ...ANSWERS, features: ['magic-link'] };
    const project = projectFrom(template.dir, 'v0.1.0', answers);
    assert.ok(!existsSync(join(project, 'src/features/jobs')));
    const plan = update(project);
    assert.equal(plan.to.tag, 'v0.3.0');
    assert.match(
      plan.changelog,
      /^## \[0\.3\.0\][\s\S]*## \[0\.2\.0\]/,
      'the changelog of the versions in between',
    );
    assert.doesNotMatch(plan.changelog, /0\.1\.0/);
    applyUpdate(project, plan, { refreshLockfile: false });
    assert.deepEqual(audit(project, plan), { lostProjectLines: [], missingTemplateChanges: [] });
    assert.ok(!existsSync(join(project, 'src/features/jobs')), 'no resurrection');
    assert.ok(!existsSync(join(project, 'locales/en/jobs.json')));
    const app = read(project, 'src/app.ts');
    assert.match(app, /v0\.2\.0: app factory notes[\s\S]*/);
    assert.match(app, /v0\.3\.0: more notes/);
    commitAll(project, 'Update the template to v0.3.0');

    const reconfigure = update(project, { set: ['features=+jobs'] });
    assert.equal(reconfigure.to.commit, reconfigure.from.commit, 'same version, new answers');
    applyUpdate(project, reconfigure, { refreshLockfile: false });
    assert.deepEqual(reconfigure.conflicts, []);
    assert.match(
      read(project, 'src/features/jobs/index.ts'),
      /v0\.3\.0: jobs change[\s\S]*v0\.2\.0: jobs change/,
    );
    assert.match(read(project, 'src/features/index.ts'), /\.\/jobs\/index\.ts/);
    assert.ok(JSON.parse(read(project, 'package.json')).dependencies.bull);
    assert.ok(existsSync(join(project, 'locales/en/jobs.json')));
    assert.deepEqual(JSON.parse(read(project, '.template/answers.json')).answers.features, [
      'jobs',
      'magic-link',
    ]);
    // The feature's code type-checks with the rest of the project (its runtime tests need the
    // project's services: tests/update/template-history.test.ts runs a project's tests).
    execFileSync(join(project, 'node_modules', '.bin', 'tsc'), ['--noEmit'], {
      cwd: project,
      stdio: 'pipe',
    });
  });

  test('a dirty working tree is refused; a failed render or lockfile refresh leaves the tree untouched', () => {
    const project = projectFrom(template.dir, 'v0.1.0');
    write(project, 'notes.txt', 'work in progress\n');
    assert.throws(() => update(project), DirtyTreeError);
    rmSync(join(project, 'notes.txt'));

    const broken = template.release(undefined, (dir) => {
      writeFileSync(
        join(dir, 'src/features/jobs/feature.json'),
        '{ "name": "jobs", "removable": "yes" }\n',
      );
    });
    git(template.dir, 'branch', 'broken', broken);
    git(template.dir, 'reset', '-q', '--hard', 'v0.3.0');
    const before = git(project, 'status', '--porcelain', '--untracked-files=all');
    assert.throws(() => update(project, { to: 'broken' }), RenderError);
    assert.equal(git(project, 'status', '--porcelain', '--untracked-files=all'), before);
    assert.equal(before, '');

    // The merge succeeds but refreshing the lockfile fails (no version of the dependency can be
    // had; npm is pointed at a closed port): the applied patch is taken back.
    const bump = template.release(undefined, (dir) => {
      editJson(dir, 'package.json', (pkg) => {
        pkg.dependencies.koa = '^99.0.0';
      });
    });
    git(template.dir, 'branch', 'impossible', bump);
    git(template.dir, 'reset', '-q', '--hard', 'v0.3.0');
    const plan = update(project, { to: 'impossible' });
    assert.ok(plan.lockfileStale);
    const saved = { ...process.env };
    Object.assign(process.env, {
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_fetch_retries: '0',
    });
    try {
      assert.throws(
        () => applyUpdate(project, plan),
        /Refreshing package-lock\.json failed, so nothing was changed/,
      );
    } finally {
      for (const key of ['npm_config_registry', 'npm_config_fetch_retries']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    assert.equal(
      git(project, 'status', '--porcelain', '--untracked-files=all'),
      '',
      'the tree is untouched',
    );
    assert.throws(() => update(project, { to: 'v9.9.9' }), /no tag, branch or commit "v9\.9\.9"/);
    assert.throws(() => update(project, { set: ['features'] }), /expected key=value/);
  });
});
