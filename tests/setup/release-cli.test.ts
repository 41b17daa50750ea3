// `npm run release`, run in a copy of this project with a bare repository as its origin.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';
import { copyProject } from '../helpers/project-copy.ts';

const cleanup: string[] = [];
after(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

function project() {
  const work = copyProject();
  const origin = mkdtempSync(join(tmpdir(), 'release-origin-'));
  cleanup.push(work, origin);
  git(origin, 'init', '-q', '--bare', '-b', 'main');
  git(work, 'checkout', '-q', '-B', 'main');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'Initial commit');
  git(work, 'remote', 'add', 'origin', origin);
  git(work, 'push', '-q', '-u', 'origin', 'main');
  git(work, 'remote', 'set-head', 'origin', 'main');
  return { work, origin };
}

const release = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(rootDir, 'scripts/release.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
    },
  });

const version = (dir: string, file = 'package.json') =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')).version;

test('release: bumps package.json and the lockfile, commits, tags and pushes both', () => {
  const { work, origin } = project();
  const before = version(work);
  const ran = release(work, 'minor', '--no-checks');
  assert.equal(ran.status, 0, ran.stderr);
  const [major, minor] = before.split('.').map(Number);
  const next = `${major}.${minor + 1}.0`;
  assert.equal(version(work), next);
  assert.equal(version(work, 'package-lock.json'), next);
  assert.equal(git(work, 'status', '--porcelain'), '');
  assert.equal(git(origin, 'log', '-1', '--format=%s', 'main'), `Release v${next}`);
  assert.equal(git(origin, 'rev-parse', `v${next}^{commit}`), git(work, 'rev-parse', 'HEAD'));
});

test('release: refuses a dirty tree, another branch, a branch behind its remote, and no bump', () => {
  const { work } = project();
  writeFileSync(join(work, 'README.md'), 'changed\n');
  let ran = release(work, 'patch', '--no-checks');
  assert.equal(ran.status, 2);
  assert.match(ran.stderr, /working tree has changes/);
  git(work, 'checkout', '-q', '--', 'README.md');

  git(work, 'checkout', '-q', '-b', 'feature');
  ran = release(work, 'patch', '--no-checks');
  assert.equal(ran.status, 2);
  assert.match(ran.stderr, /Releases are cut from main, and this is feature/);
  git(work, 'checkout', '-q', 'main');

  // Someone else pushed to main meanwhile.
  const other = mkdtempSync(join(tmpdir(), 'release-other-'));
  cleanup.push(other);
  git(other, 'clone', '-q', git(work, 'remote', 'get-url', 'origin'), '.');
  git(other, 'commit', '-q', '--allow-empty', '-m', 'Another change');
  git(other, 'push', '-q', 'origin', 'main');
  ran = release(work, 'patch', '--no-checks');
  assert.equal(ran.status, 2);
  assert.match(ran.stderr, /1 commit\(s\) behind origin: git pull first/);

  ran = release(work, 'huge');
  assert.equal(ran.status, 2);
  assert.match(ran.stderr, /patch, minor or major/);
  assert.equal(git(work, 'status', '--porcelain'), '');
});
