// `npm run release -- patch|minor|major`: cuts a release from the default branch. Refuses a dirty
// tree, another branch, or a branch behind its remote; runs the checks (`npm run check`; CI runs
// every test on the tag before anything ships); bumps package.json and the lockfile; commits;
// tags vX.Y.Z; pushes branch and tag together. The tag starts .github/workflows/release.yml.
// Tagging by hand (bump package.json, commit, `git tag vX.Y.Z`, push) does the same.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const HELP = `Usage: npm run release -- <patch|minor|major> [--remote <name>] [--no-checks]

  patch | minor | major  which part of the version to bump (1.2.3 -> 1.2.4 | 1.3.0 | 2.0.0)
  --remote <name>        the remote to push to (default: origin)
  --no-checks            skip npm run check (CI still runs every test on the tag)
`;

class ReleaseError extends Error {}

const cwd = process.cwd();
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }).trim();

function defaultBranch(remote: string): string {
  try {
    return git('symbolic-ref', '--short', `refs/remotes/${remote}/HEAD`).replace(`${remote}/`, '');
  } catch {
    return 'main';
  }
}

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      remote: { type: 'string', default: 'origin' },
      'no-checks': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [bump] = positionals;
  if (values.help) return void console.log(HELP);
  if (bump !== 'patch' && bump !== 'minor' && bump !== 'major')
    throw new ReleaseError(`Say which part to bump: patch, minor or major.\n\n${HELP}`);
  const remote = values.remote;

  if (git('status', '--porcelain') !== '')
    throw new ReleaseError(
      'The working tree has changes: commit or stash them first (git status).',
    );
  const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
  const main = defaultBranch(remote);
  if (branch !== main)
    throw new ReleaseError(
      `Releases are cut from ${main}, and this is ${branch}: git switch ${main}.`,
    );
  console.log(`Fetching ${remote}/${main}`);
  git('fetch', '--quiet', remote, main);
  const behind = git('rev-list', '--count', `HEAD..${remote}/${main}`);
  if (behind !== '0')
    throw new ReleaseError(`${main} is ${behind} commit(s) behind ${remote}: git pull first.`);

  if (!values['no-checks']) {
    console.log('Running npm run check');
    const checks = spawnSync('npm', ['run', 'check'], { cwd, stdio: 'inherit' });
    if (checks.status !== 0) throw new ReleaseError('The checks failed: nothing was changed.');
  }

  const bumped = spawnSync('npm', ['version', bump, '--no-git-tag-version'], {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (bumped.status !== 0) throw new ReleaseError('npm version failed: nothing was committed.');
  const version = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')).version as string;
  const tag = `v${version}`;
  if (git('tag', '--list', tag) !== '') {
    git('checkout', '--', 'package.json', 'package-lock.json');
    throw new ReleaseError(`The tag ${tag} exists already: nothing was committed.`);
  }
  git('commit', '--quiet', '-m', `Release ${tag}`, '--', 'package.json', 'package-lock.json');
  git('tag', '--annotate', tag, '-m', `Release ${tag}`);
  console.log(`Pushing ${main} and ${tag} to ${remote}`);
  // Atomic: the remote gets both or neither, so a tag never points at an unpushed commit.
  git('push', '--atomic', remote, main, tag);
  console.log(`Released ${tag}: the release workflow builds, publishes and deploys it.`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof ReleaseError ? error.message : error);
  process.exit(error instanceof ReleaseError ? 2 : 1);
}
