import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { bareRepository, GitError, git, type Repository } from './git.ts';

/** Where renders and template clones are kept between runs: `$GROUNDWORK_CACHE`, or under $HOME. */
export const defaultCacheDir = () =>
  process.env.GROUNDWORK_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'groundwork', 'template-update');

/** The URL to fetch `owner/name` from: GitHub, unless the environment points elsewhere. */
export const templateUrl = (repository: string) =>
  process.env.GROUNDWORK_TEMPLATE_URL ?? `https://github.com/${repository}.git`;

const RELEASE_TAG = /^v(\d+)\.(\d+)\.(\d+)$/;

/** Compares two X.Y.Z versions (with or without a leading v). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

export type TemplateVersion = { commit: string; version: string; tag?: string };

// The template's history, fetched into a bare repository in the cache (one per URL). Render
// results are stored in the same repository (see render.ts), so old versions are never rendered
// twice.
export class TemplateSource {
  readonly url: string;
  readonly repo: Repository;

  constructor(url: string, cacheDir = defaultCacheDir()) {
    this.url = url;
    const name = createHash('sha256').update(url).digest('hex').slice(0, 16);
    const gitDir = join(cacheDir, 'templates', `${name}.git`);
    if (!existsSync(join(gitDir, 'HEAD'))) {
      mkdirSync(gitDir, { recursive: true });
      git(['init', '-q', '--bare', gitDir]);
    }
    this.repo = bareRepository(gitDir);
  }

  /** Fetches branches and tags. Offline, what the cache holds is used (with a warning). */
  fetch(warn: (message: string) => void = () => {}) {
    try {
      this.repo.text([
        'fetch',
        '-q',
        '--prune',
        '--force',
        '--no-write-fetch-head',
        this.url,
        '+refs/heads/*:refs/remotes/template/*',
        '+refs/tags/*:refs/tags/*',
      ]);
    } catch (error) {
      if (!this.repo.text(['for-each-ref', '--count=1', 'refs/tags', 'refs/remotes'])) throw error;
      warn(
        `Could not fetch ${this.url}; using the copy cached earlier. (${(error as Error).message})`,
      );
    }
  }

  /** The commit a tag, branch or commit names; an error that says what exists when it is unknown. */
  resolve(ref: string): string {
    for (const candidate of [ref, `refs/remotes/template/${ref}`]) {
      try {
        return this.repo.text(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]);
      } catch {}
    }
    const releases = this.releases()
      .slice(-5)
      .map((r) => r.tag);
    throw new Error(
      `The template has no tag, branch or commit "${ref}". Latest releases: ${releases.join(', ') || 'none'}.`,
    );
  }

  /** Release tags (vX.Y.Z), oldest first. */
  releases(): Array<TemplateVersion & { tag: string }> {
    const lines = this.repo.text([
      'for-each-ref',
      '--format=%(refname:short) %(*objectname)%(objectname)',
      'refs/tags',
    ]);
    return lines
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [tag = '', oids = ''] = line.split(' ');
        // Annotated tags print the peeled commit first, then the tag object: take the first 40.
        return { tag, commit: oids.slice(0, 40), version: tag.slice(1) };
      })
      .filter((r) => RELEASE_TAG.test(r.tag))
      .sort((a, b) => compareVersions(a.tag, b.tag));
  }

  latestRelease() {
    return this.releases().at(-1);
  }

  /** The version a commit is: its release tag, else the package.json version it carries. */
  describe(commit: string): TemplateVersion {
    const tag = this.releases().findLast((r) => r.commit === commit);
    if (tag) return tag;
    const version = JSON.parse(this.show(commit, 'package.json') ?? '{}').version ?? '0.0.0';
    return { commit, version };
  }

  /** Whether `ancestor` is `commit` or in its history. */
  contains(commit: string, ancestor: string): boolean {
    try {
      this.repo.text(['merge-base', '--is-ancestor', ancestor, commit]);
      return true;
    } catch (error) {
      if (error instanceof GitError && error.status === 1) return false;
      throw error;
    }
  }

  /** A file's text at a commit, or undefined when it has none. */
  show(commit: string, path: string): string | undefined {
    try {
      return this.repo.text(['show', `${commit}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /** Paths under a folder at a commit. */
  list(commit: string, folder: string): string[] {
    return this.repo
      .text(['ls-tree', '-r', '--name-only', commit, '--', folder])
      .split('\n')
      .filter(Boolean);
  }
}

/**
 * The CHANGELOG.md sections of the versions after `from` up to `to`, as the target has them
 * (headings like `## [1.2.0] - 2026-01-31` or `## v1.2.0`).
 */
export function changelogBetween(changelog: string | undefined, from: string, to: string) {
  if (!changelog) return '';
  const sections = changelog.split(/^(?=## )/m);
  return sections
    .filter((section) => {
      const version = section.match(/^## \[?v?(\d+\.\d+\.\d+)\]?/)?.[1];
      return (
        version !== undefined &&
        compareVersions(version, from) > 0 &&
        compareVersions(version, to) <= 0
      );
    })
    .map((s) => s.trimEnd())
    .join('\n\n');
}
