import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { type Answers, applySet, sameAnswers } from './answers-edit.ts';
import { bareRepository, git, gitBuffer, type Repository } from './git.ts';
import { ignoreTemplateVersion, isDataMerged, mergeJson } from './json-merge.ts';
import { type Conflict, mergeTrees } from './merge.ts';
import { render } from './render.ts';
import {
  changelogBetween,
  defaultCacheDir,
  TemplateSource,
  type TemplateVersion,
  templateUrl,
} from './template-source.ts';

export const LOCK_PATH = '.template/lock.json';
export const ANSWERS_PATH = '.template/answers.json';
export const WORKFLOWS_DIR = '.github/workflows/';

export type UpdateRequest = {
  /** The project: a git checkout with a clean working tree. */
  root: string;
  /** Tag, branch or commit of the template to update to. Default: the latest release, or the
   * current version when only answers change. */
  to?: string;
  /** The template commit the project is at, when lock.json does not know it. */
  from?: string;
  /** Answer edits (`features=+jobs`): reconfigure. */
  set?: string[];
  /** Where to fetch the template from (default: GitHub, or $GROUNDWORK_TEMPLATE_URL). */
  templateUrl?: string;
  cacheDir?: string;
  progress?: (message: string) => void;
};

export type ChangedFile = { path: string; status: 'added' | 'modified' | 'deleted' };

export type UpdatePlan = {
  templateRepository: string;
  from: TemplateVersion;
  to: TemplateVersion;
  answers: { before: Answers; after: Answers };
  /** Nothing to do: the project is at the target with the same answers. */
  upToDate: boolean;
  /** The renders (base: old, theirs: new; in `templateGitDir`) and the project's HEAD tree. */
  trees: { base: string; theirs: string; ours: string };
  templateGitDir: string;
  /** Binary patch from the project's HEAD to the result. */
  patch: Buffer;
  changed: ChangedFile[];
  conflicts: Conflict[];
  /** Changed files under .github/workflows/ (the default workflow token may not push them). */
  workflowChanges: string[];
  /** Optional features the target offers that the project never chose (not added). */
  newFeatures: string[];
  changelog: string;
  /** package.json changed: package-lock.json must be refreshed after applying. */
  lockfileStale: boolean;
};

export class DirtyTreeError extends Error {
  constructor(status: string) {
    super(
      `The working tree has changes; commit or stash them first (git stash -u), so the update's changes are the only ones to review:\n${status}`,
    );
    this.name = 'DirtyTreeError';
  }
}

type Lock = { templateRepository: string; templateCommit: string; templateVersion?: string };

function readState(root: string) {
  const read = (path: string) => {
    const file = join(root, path);
    if (!existsSync(file))
      throw new Error(
        `${path} is missing: this is not a project set up from the template (run npm run setup first).`,
      );
    return JSON.parse(readFileSync(file, 'utf8'));
  };
  const lock = read(LOCK_PATH) as Lock;
  const answers = read(ANSWERS_PATH).answers as Answers;
  return { lock, answers };
}

export function assertClean(root: string) {
  const status = git(['status', '--porcelain', '--untracked-files=all'], { cwd: root });
  if (status) throw new DirtyTreeError(status);
}

/** The template's versions as the project sees them: where it is, and the latest release. */
export function templateStatus(
  request: Pick<UpdateRequest, 'root' | 'templateUrl' | 'cacheDir' | 'progress'>,
) {
  const { lock } = readState(request.root);
  const source = fetchTemplate(request, lock);
  const latest = source.latestRelease();
  let current: TemplateVersion | undefined;
  try {
    current = source.describe(source.resolve(lock.templateCommit));
  } catch {} // 'unknown', or a commit the template does not have: no version known
  const available =
    latest !== undefined && (!current || !source.contains(current.commit, latest.commit));
  return { source, lock, current, latest, available };
}

/** The template's history, fetched into the cache. */
function fetchTemplate(
  { templateUrl: url, cacheDir, progress = () => {} }: Omit<UpdateRequest, 'root'>,
  lock: Lock,
) {
  const source = new TemplateSource(
    url ?? templateUrl(lock.templateRepository),
    cacheDir ?? defaultCacheDir(),
  );
  progress(`Fetching ${source.url}…`);
  source.fetch(progress);
  return source;
}

/**
 * Works out the update without touching the project: renders the template at the project's
 * version with its answers (base) and the target with the new answers (theirs), merges them with
 * the project's HEAD (ours) and returns the patch and what it contains.
 */
export function planUpdate(request: UpdateRequest): UpdatePlan {
  const { root } = request;
  const progress = request.progress ?? (() => {});
  const cacheDir = request.cacheDir ?? defaultCacheDir();
  assertClean(root);
  const { lock, answers } = readState(root);
  const source = fetchTemplate({ ...request, cacheDir }, lock);

  const fromRef = request.from ?? lock.templateCommit;
  if (fromRef === 'unknown')
    throw new Error(
      `${LOCK_PATH} does not say which template commit this project was made from. Pass the tag or commit it was set up from: --from <tag|commit>.`,
    );
  const from = source.describe(source.resolve(fromRef));
  const after = applySet(answers, request.set ?? []);
  const target = request.to
    ? source.resolve(request.to)
    : request.set?.length
      ? from.commit
      : (source.latestRelease()?.commit ??
        failWith('The template has no release tag (vX.Y.Z) yet: pass --to <branch or commit>.'));
  // Without an explicit target, a project already at (or past) the latest release stays there.
  const to = !request.to && source.contains(from.commit, target) ? from : source.describe(target);

  const nodeModules = join(root, 'node_modules');
  const context = { source, cacheDir, nodeModules, progress };
  const oursTree = git(['rev-parse', 'HEAD^{tree}'], { cwd: root });
  const base = {
    templateRepository: lock.templateRepository,
    from,
    to,
    answers: { before: answers, after },
    changelog: '',
    newFeatures: [],
  };
  if (to.commit === from.commit && sameAnswers(answers, after)) {
    return {
      ...base,
      upToDate: true,
      trees: { base: oursTree, theirs: oursTree, ours: oursTree },
      templateGitDir: source.repo.gitDir,
      patch: Buffer.alloc(0),
      changed: [],
      conflicts: [],
      workflowChanges: [],
      lockfileStale: false,
    };
  }

  const label = (v: TemplateVersion) => v.tag ?? `${v.version} (${v.commit.slice(0, 12)})`;
  const baseTree = render(context, from.commit, answers, `${label(from)} (the project's version)`);
  const theirsTree = render(
    context,
    to.commit,
    after,
    sameAnswers(answers, after) ? label(to) : `${label(to)} (new answers)`,
  );

  progress('Merging the template changes into the project…');
  const scratch = scratchRepository(source, root, cacheDir);
  try {
    const merged = mergeTrees(scratch, baseTree, oursTree, theirsTree);
    const finish = finishMerge(
      scratch,
      root,
      { base: baseTree, ours: oursTree, theirs: theirsTree },
      merged,
      to,
    );
    const changed = changedFiles(scratch, oursTree, finish.tree);
    const patch = scratch.buffer([
      'diff',
      '--binary',
      '--full-index',
      '--no-renames',
      oursTree,
      finish.tree,
    ]);
    const oldFeatures = removableFeatures(source, from.commit);
    const chosen = new Set((after.features as string[] | undefined) ?? []);
    return {
      ...base,
      upToDate: false,
      trees: { base: baseTree, theirs: theirsTree, ours: oursTree },
      templateGitDir: source.repo.gitDir,
      patch,
      changed,
      conflicts: finish.conflicts,
      workflowChanges: changed.filter((c) => c.path.startsWith(WORKFLOWS_DIR)).map((c) => c.path),
      newFeatures: removableFeatures(source, to.commit).filter(
        (name) => !oldFeatures.includes(name) && !chosen.has(name),
      ),
      changelog: changelogBetween(source.show(to.commit, 'CHANGELOG.md'), from.version, to.version),
      lockfileStale: changed.some((c) => c.path === 'package.json'),
    };
  } finally {
    rmSync(scratch.gitDir, { recursive: true, force: true });
  }
}

function failWith(message: string): never {
  throw new Error(message);
}

// A throwaway repository that sees the template cache's objects and the project's (alternates),
// so the merge neither copies the project nor writes into its .git.
function scratchRepository(source: TemplateSource, root: string, cacheDir: string): Repository {
  mkdirSync(join(cacheDir, 'work'), { recursive: true });
  const gitDir = mkdtempSync(join(cacheDir, 'work', 'merge-'));
  git(['init', '-q', '--bare', gitDir]);
  const common = git(['rev-parse', '--git-common-dir'], { cwd: root });
  const projectObjects = join(isAbsolute(common) ? common : join(root, common), 'objects');
  writeFileSync(
    join(gitDir, 'objects', 'info', 'alternates'),
    `${join(source.repo.gitDir, 'objects')}\n${projectObjects}\n`,
  );
  return bareRepository(gitDir);
}

type Entry = { mode: string; oid: string };

function entryAt(repo: Repository, tree: string, path: string): Entry | undefined {
  const line = repo.text(['ls-tree', tree, '--', path]);
  const match = line.match(/^(\d+) blob ([0-9a-f]+)\t/);
  return match ? { mode: match[1] as string, oid: match[2] as string } : undefined;
}

const blobText = (repo: Repository, entry: Entry | undefined) =>
  entry ? repo.buffer(['cat-file', 'blob', entry.oid]).toString('utf8') : undefined;

// What git's line merge does badly, redone: JSON merged as data, the lockfile kept for a refresh,
// lock.json moved to the target, and files the project deleted kept deleted.
function finishMerge(
  repo: Repository,
  root: string,
  trees: { base: string; ours: string; theirs: string },
  merged: ReturnType<typeof mergeTrees>,
  to: TemplateVersion,
) {
  const overrides = new Map<string, Entry | null>();
  let conflicts = merged.conflicts;
  const writeBlob = (text: string) => repo.text(['hash-object', '-w', '--stdin'], { input: text });

  const templateChanged = repo
    .text(['diff-tree', '-r', '--name-only', '--no-renames', trees.base, trees.theirs])
    .split('\n')
    .filter(Boolean);
  for (const path of templateChanged.filter(isDataMerged)) {
    const [base, ours, theirs] = [trees.base, trees.ours, trees.theirs].map((t) =>
      entryAt(repo, t, path),
    );
    if (!ours || !theirs) continue; // deleted on one side: git's verdict stands
    let result: ReturnType<typeof mergeJson>;
    try {
      const parse = (e: Entry | undefined) => {
        const text = blobText(repo, e);
        return text === undefined ? undefined : JSON.parse(text);
      };
      const theirsValue = parse(theirs);
      result = mergeJson(
        parse(base),
        parse(ours),
        path === 'package.json' ? ignoreTemplateVersion(parse(base), theirsValue) : theirsValue,
      );
    } catch {
      continue; // not valid JSON on some side: the line merge's result (with markers) stands
    }
    const text = formatJson(root, path, `${JSON.stringify(result.value, null, 2)}\n`);
    overrides.set(path, { mode: ours.mode, oid: writeBlob(text) });
    conflicts = conflicts.filter((c) => c.path !== path);
    for (const c of result.conflicts) {
      conflicts.push({
        path,
        kind: 'value',
        message: `${c.key}: the template changed ${show(c.base)} to ${show(c.theirs)}, this project has ${show(c.ours)}; the project's value was kept.`,
      });
    }
  }

  // The lockfile is regenerated from the merged package.json, never merged.
  const lockfile = entryAt(repo, trees.ours, 'package-lock.json');
  overrides.set('package-lock.json', lockfile ?? null);

  conflicts = conflicts.filter((c) => c.path !== 'package-lock.json' && c.path !== LOCK_PATH);
  const lock = JSON.parse(blobText(repo, entryAt(repo, trees.ours, LOCK_PATH)) ?? '{}');
  const movedLock = { ...lock, templateCommit: to.commit, templateVersion: to.version };
  overrides.set(LOCK_PATH, {
    mode: '100644',
    oid: writeBlob(formatJson(root, LOCK_PATH, `${JSON.stringify(movedLock, null, 2)}\n`)),
  });

  for (const conflict of conflicts) {
    if (conflict.kind === 'deleted-here') {
      overrides.set(conflict.path, null);
      conflict.message = `This project deleted ${conflict.path}, which the template changed since: it stays deleted. The template's change:`;
      conflict.diff = repo
        .buffer(
          [
            'diff',
            '--no-color',
            `${trees.base}:${conflict.path}`,
            `${trees.theirs}:${conflict.path}`,
          ],
          {
            okStatuses: [1],
          },
        )
        .toString('utf8');
    } else if (conflict.kind === 'deleted-upstream') {
      conflict.message = `The template deleted ${conflict.path}, which this project changed: the project's version was kept; delete it if nothing needs it.`;
    } else if (conflict.kind === 'binary') {
      conflict.message = `Both the template and this project changed the binary file ${conflict.path}: the project's version was kept.`;
    }
  }

  const index = join(repo.gitDir, 'result-index');
  const env = { GIT_INDEX_FILE: index };
  repo.text(['read-tree', merged.tree], { env });
  // One --index-info call; mode 0 removes a path (and needs no work tree, unlike --force-remove).
  const info = [...overrides]
    .map(([path, e]) => (e ? `${e.mode} ${e.oid}\t${path}` : `0 ${'0'.repeat(40)}\t${path}`))
    .join('\0');
  repo.text(['update-index', '-z', '--index-info'], { env, input: `${info}\0` });
  return {
    tree: repo.text(['write-tree'], { env }),
    conflicts: conflicts.sort((a, b) => a.path.localeCompare(b.path)),
  };
}

const show = (value: unknown) => (value === undefined ? '(nothing)' : JSON.stringify(value));

// JSON the engine writes is formatted by the project's own formatter, as the project's files are.
function formatJson(root: string, path: string, text: string): string {
  const biome = join(root, 'node_modules', '.bin', 'biome');
  if (!existsSync(biome)) return text;
  try {
    return execFileSync(biome, ['format', `--stdin-file-path=${path}`], {
      cwd: root,
      input: text,
      stdio: ['pipe', 'pipe', 'ignore'],
    }).toString('utf8');
  } catch {
    return text;
  }
}

function changedFiles(repo: Repository, from: string, to: string): ChangedFile[] {
  const statuses = { A: 'added', M: 'modified', D: 'deleted', T: 'modified' } as const;
  const fields = repo
    .text(['diff-tree', '-r', '-z', '--no-renames', '--name-status', from, to])
    .split('\0');
  const changed: ChangedFile[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = statuses[fields[i] as keyof typeof statuses] ?? 'modified';
    changed.push({ path: fields[i + 1] as string, status });
  }
  return changed;
}

function removableFeatures(source: TemplateSource, commit: string): string[] {
  return source
    .list(commit, 'src/features')
    .filter((p) => /^src\/features\/[^/]+\/feature\.json$/.test(p))
    .flatMap((p) => {
      const manifest = JSON.parse(source.show(commit, p) ?? '{}');
      return manifest.removable ? [manifest.name as string] : [];
    });
}

/**
 * Applies a plan to the project's working tree (no commit): the patch in one go (git apply checks
 * every hunk before writing anything), then the lockfile refresh. When the refresh fails the
 * patch is taken back, so a failed update leaves the tree as it was.
 */
export function applyUpdate(
  root: string,
  plan: UpdatePlan,
  { refreshLockfile = true, progress = (_: string) => {} } = {},
) {
  if (plan.upToDate || plan.patch.length === 0) return;
  assertClean(root);
  progress(`Applying ${plan.changed.length} file changes…`);
  gitBuffer(['apply', '--binary', '--whitespace=nowarn', '-'], { cwd: root, input: plan.patch });
  if (!plan.lockfileStale || !refreshLockfile) return;
  progress(
    'Refreshing package-lock.json for the merged package.json (npm install --package-lock-only)…',
  );
  try {
    execFileSync(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (error) {
    git(['checkout', '--', 'package-lock.json'], { cwd: root });
    gitBuffer(['apply', '-R', '--binary', '--whitespace=nowarn', '-'], {
      cwd: root,
      input: plan.patch,
    });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `Refreshing package-lock.json failed, so nothing was changed:\n${stderr || (error as Error).message}`,
    );
  }
}
