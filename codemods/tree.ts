import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

// Folders that are never part of a project's source, whatever .gitignore says.
const SKIPPED = new Set(['node_modules', '.git', '.data', 'test-results', 'playwright-report']);

export type Change = { path: string; type: 'write' | 'delete' };

// A project's files as the codemods see them: reads fall through to disk, writes and deletions
// stay in memory until commit(). A codemod that throws therefore leaves the folder untouched.
// Paths are relative to the root, with forward slashes.
export class Tree {
  readonly root: string;
  readonly #written = new Map<string, string>();
  readonly #deleted = new Set<string>();
  readonly #onDisk: Set<string>;

  constructor(root: string) {
    this.root = root;
    this.#onDisk = new Set(listFiles(root));
  }

  exists(path: string): boolean {
    if (this.#written.has(path)) return true;
    return !this.#deleted.has(path) && this.#onDisk.has(path);
  }

  read(path: string): string | undefined {
    const written = this.#written.get(path);
    if (written !== undefined) return written;
    if (this.#deleted.has(path) || !this.#onDisk.has(path)) return undefined;
    return readFileSync(join(this.root, path), 'utf8');
  }

  /** Like read(), for files the codemods cannot work without. */
  require(path: string): string {
    const text = this.read(path);
    if (text === undefined) throw new Error(`${path} is missing`);
    return text;
  }

  write(path: string, content: string) {
    this.#deleted.delete(path);
    this.#written.set(path, content);
  }

  /** Deletes a file, or every file under a folder. */
  delete(path: string) {
    for (const file of this.list(path)) {
      this.#written.delete(file);
      this.#deleted.add(file);
    }
  }

  /** Files under a folder (or the file itself), as they are now. */
  list(path = ''): string[] {
    const prefix = path === '' ? '' : `${path.replace(/\/$/, '')}/`;
    const files = new Set([...this.#onDisk, ...this.#written.keys()]);
    return [...files]
      .filter((file) => (file === path || file.startsWith(prefix)) && this.exists(file))
      .sort();
  }

  changes(): Change[] {
    const changes: Change[] = [];
    for (const [path, content] of this.#written) {
      const before = this.#onDisk.has(path)
        ? readFileSync(join(this.root, path), 'utf8')
        : undefined;
      if (before !== content) changes.push({ path, type: 'write' });
    }
    for (const path of this.#deleted) changes.push({ path, type: 'delete' });
    return changes.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Writes every change to disk and removes folders the deletions left empty. */
  commit(): Change[] {
    const changes = this.changes();
    for (const { path, type } of changes) {
      const absolute = join(this.root, path);
      if (type === 'write') {
        mkdirSync(dirname(absolute), { recursive: true });
        writeFileSync(absolute, this.#written.get(path) as string);
      } else {
        rmSync(absolute, { force: true });
        removeEmptyParents(this.root, dirname(path));
      }
    }
    return changes;
  }
}

function removeEmptyParents(root: string, dir: string) {
  for (let current = dir; current !== '.' && current !== ''; current = dirname(current)) {
    const absolute = join(root, current);
    if (!existsSync(absolute) || readdirSync(absolute).length > 0) return;
    rmdirSync(absolute);
  }
}

// The project's files: git's view (tracked and untracked-but-not-ignored) when it is a checkout,
// otherwise a walk that skips dependency and output folders.
function listFiles(root: string): string[] {
  if (existsSync(join(root, '.git'))) {
    const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root });
    return out
      .toString('utf8')
      .split('\0')
      .filter((file) => file && existsSync(join(root, file)))
      .sort();
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (SKIPPED.has(entry.name) || (dir === 'public' && entry.name === 'build')) continue;
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk('');
  return files.sort();
}
