import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { isConfigured } from '../../codemods/setup.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import {
  cleanupFixtures,
  commitAll,
  edit,
  git,
  projectFrom,
  read,
  tempDir,
  templateRepository,
  write,
} from './fixtures.ts';

// npm run template:check and template:update as a person runs them, in a project made from a
// fixture template history.
const skip = isConfigured(rootDir) ? 'a configured project is not the template' : false;

describe('template:check and template:update', { skip }, () => {
  let template: ReturnType<typeof templateRepository>;
  let cache: string;
  before(() => {
    cache = tempDir('update-cache-');
    template = templateRepository('v0.1.0');
  });
  after(cleanupFixtures);

  const run = (cwd: string, script: string, ...args: string[]) => {
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const result = spawnSync(process.execPath, [script, '--template', template.dir, ...args], {
      cwd,
      env: { ...env, GROUNDWORK_CACHE: cache },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  test('check: 0 when up to date, 10 when a release is newer; update: refuses a dirty tree, then merges and commits nothing', () => {
    const project = projectFrom(template.dir, 'v0.1.0');
    const upToDate = run(project, 'scripts/template-check.ts');
    assert.equal(upToDate.status, 0, upToDate.stderr);
    assert.match(upToDate.stdout, /Up to date: v0\.1\.0 \(latest release v0\.1\.0\)/);

    template.release('v0.2.0', (dir) => edit(dir, 'src/app.ts', /^/, '// Template v0.2.0.\n'));
    const available = run(project, 'scripts/template-check.ts');
    assert.equal(available.status, 10, available.stderr);
    assert.match(available.stdout, /An update exists: v0\.1\.0 → v0\.2\.0/);

    write(project, 'scratch.txt', 'not committed\n');
    const dirty = run(project, 'scripts/template-update.ts');
    assert.equal(dirty.status, 1);
    assert.match(dirty.stderr, /commit or stash them first[\s\S]*scratch\.txt/);
    git(project, 'clean', '-qfx', '--', 'scratch.txt');

    edit(project, 'src/app.ts', /\n$/, '\n// Acme.\n');
    commitAll(project);
    const updated = run(project, 'scripts/template-update.ts');
    assert.equal(updated.status, 0, updated.stderr);
    assert.match(
      updated.stderr,
      /Fetching[\s\S]*Rendering v0\.1\.0[\s\S]*Rendering v0\.2\.0[\s\S]*Merging/,
      'progress',
    );
    assert.match(updated.stdout, /v0\.1\.0 → v0\.2\.0\. 2 files changed\.[\s\S]*No conflicts/);
    assert.match(read(project, 'src/app.ts'), /^\/\/ Template v0\.2\.0\.[\s\S]*\/\/ Acme\.\n$/);
    assert.equal(git(project, 'log', '--format=%s', '-1'), 'Project edits', 'nothing committed');

    // A bad answer is refused by the setup engine, with its message; nothing changes.
    commitAll(project, 'Update the template to v0.2.0');
    const unknown = run(project, 'scripts/template-update.ts', '--set', 'features=+nope');
    assert.equal(unknown.status, 1);
    assert.match(
      unknown.stderr,
      /could not be rendered with these answers[\s\S]*unknown feature\(s\): nope/,
    );
    assert.equal(git(project, 'status', '--porcelain'), '');

    const bad = run(project, 'scripts/template-update.ts', '--bogus');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Unknown option '--bogus'[\s\S]*Usage: npm run template:update/);
  });
});
