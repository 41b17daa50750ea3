import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isConfigured } from '../../codemods/setup.ts';
import { applyUpdate, planUpdate } from '../../codemods/update/update.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { audit } from './audit.ts';
import {
  ANSWERS,
  cleanupFixtures,
  commitAll,
  edit,
  editJson,
  git,
  projectFrom,
  tempDir,
  write,
} from './fixtures.ts';

// The template's own history can be updated across: a project set up at the previous release
// (the latest vX.Y.Z tag before HEAD; the previous commit while there is none), with typical
// edits, updated to this checkout's HEAD commit, merges without conflicts and passes its checks
// (Biome, tsc), builds, and passes its unit tests and its language tests (a real server). Commit your work first: HEAD is what is tested.
const skip = isConfigured(rootDir) ? 'a configured project is not the template' : false;
after(cleanupFixtures);

function previousVersion(): string {
  try {
    return git(rootDir, 'describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*', 'HEAD^');
  } catch {
    return git(rootDir, 'rev-parse', 'HEAD^');
  }
}

test("a project made at the template's previous release updates to HEAD and passes its checks", {
  skip,
}, (t) => {
  // TEMPLATE_HISTORY_FROM=<tag|commit> tests from an older version instead.
  const previous = process.env.TEMPLATE_HISTORY_FROM ?? previousVersion();
  t.diagnostic(`previous version: ${previous}`);
  const project = projectFrom(rootDir, previous, { ...ANSWERS, languages: ['en', 'es'] });
  // Typical edits: own code, an own locale key in every language, an own README section.
  write(project, 'src/acme.ts', "export const acmeMotto = 'Built by Acme';\n");
  for (const [lang, text] of [
    ['en', 'Acme support'],
    ['es', 'Soporte de Acme'],
  ] as const)
    editJson(project, `locales/${lang}/common.json`, (common) => {
      common.acmeSupport = text;
    });
  edit(project, 'README.md', /\n$/, '\n\n## Acme notes\n\nOur own operations notes.\n');
  commitAll(project);

  const plan = planUpdate({
    root: project,
    to: git(rootDir, 'rev-parse', 'HEAD'),
    templateUrl: rootDir,
    cacheDir: tempDir('update-cache-'),
  });
  applyUpdate(project, plan, { refreshLockfile: false });
  assert.deepEqual(plan.conflicts, [], 'typical edits merge without conflicts');
  assert.deepEqual(audit(project, plan), { lostProjectLines: [], missingTemplateChanges: [] });

  const run = (command: string, args: string[]) =>
    execFileSync(join(project, 'node_modules', '.bin', command), args, {
      cwd: project,
      stdio: 'pipe',
    });
  run('biome', ['check', '.']);
  run('tsc', ['--noEmit']);
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  execFileSync(process.execPath, ['scripts/build-assets.ts'], { cwd: project, env, stdio: 'pipe' });
  execFileSync(
    process.execPath,
    [
      '--test',
      ...['compress', 'config', 'request-log'].map((n) => `tests/unit/${n}.test.ts`),
      'tests/integration/i18n.test.ts',
    ],
    { cwd: project, env, stdio: 'pipe' },
  );
});
