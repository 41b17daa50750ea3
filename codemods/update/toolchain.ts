import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { ts } from 'ts-morph';

// Rendering a template version runs that version's own codemods (scripts/setup.ts), which need
// its packages. Installing them for every render would cost a minute; most versions need exactly
// the packages the project already has. So: link the project's node_modules when every package the
// render loads is installed there at the version the render's package-lock.json pins; otherwise
// install that lockfile once into the cache, keyed by its digest (docs/decisions/0060).

// The formatter is run as a program, not imported, so the import scan cannot see it.
const ALWAYS = ['@biomejs/biome'];
const ENTRY = 'scripts/setup.ts';

/** Package names the render imports: scripts/setup.ts and everything it reaches by relative imports. */
export function renderImports(dir: string): string[] {
  const packages = new Set(ALWAYS);
  const seen = new Set<string>();
  const queue = [ENTRY];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file) || !existsSync(join(dir, file))) continue;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(join(dir, file), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.'))
        queue.push(posix.normalize(posix.join(posix.dirname(file), fileName)));
      else if (!fileName.startsWith('node:')) {
        const parts = fileName.split('/');
        packages.add(fileName.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
      }
    }
  }
  return [...packages].sort();
}

type LockPackage = {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** Lockfile paths (node_modules/a, node_modules/a/node_modules/b) of the packages and their dependencies. */
function closure(lock: Record<string, LockPackage>, roots: string[]): string[] {
  const found = new Set<string>();
  // Node's resolution: the nearest node_modules folder up from the requiring package.
  const resolve = (from: string, name: string) => {
    for (let base = from; ; base = base.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, '')) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!base) return undefined;
    }
  };
  const visit = (path: string | undefined) => {
    if (!path || found.has(path)) return;
    found.add(path);
    const entry = lock[path] ?? {};
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }))
      visit(resolve(path, name));
  };
  for (const root of roots) visit(resolve('', root));
  return [...found];
}

/** Whether `nodeModules` has every package the render in `dir` loads, at its locked version. */
export function fitsRender(dir: string, nodeModules: string): boolean {
  const lockPath = join(dir, 'package-lock.json');
  if (!existsSync(lockPath) || !existsSync(nodeModules)) return false;
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {};
  return closure(lock, renderImports(dir)).every((path) => {
    const installed = join(dirname(nodeModules), path, 'package.json');
    const wanted = lock[path]?.version;
    // Optional packages for other platforms are in the lockfile but never installed.
    if (!existsSync(installed)) return (lock[path] as { optional?: boolean })?.optional === true;
    return JSON.parse(readFileSync(installed, 'utf8')).version === wanted;
  });
}

/**
 * The node_modules folder a render of `dir` should use: the project's when it fits, otherwise one
 * installed from the render's own lockfile into the cache (once per lockfile).
 */
export function toolchainFor(
  dir: string,
  projectNodeModules: string,
  cacheDir: string,
  progress: (message: string) => void,
): string {
  if (fitsRender(dir, projectNodeModules)) return projectNodeModules;
  const lock = readFileSync(join(dir, 'package-lock.json'));
  const digest = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const home = join(cacheDir, 'toolchains', digest);
  const nodeModules = join(home, 'node_modules');
  if (existsSync(nodeModules)) return nodeModules;
  progress(
    "Installing the packages this template version renders with (its package-lock.json differs from this project's; once, then cached)…",
  );
  const staging = `${home}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of ['package.json', 'package-lock.json'])
    cpSync(join(dir, file), join(staging, file));
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: staging,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  mkdirSync(dirname(home), { recursive: true });
  renameSync(staging, home);
  return nodeModules;
}
