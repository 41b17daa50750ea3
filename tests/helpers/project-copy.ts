import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/config/paths.ts';

/**
 * Copies the project's files (what git tracks or would track) into a new temporary folder, with
 * node_modules linked from this checkout except the packages in `without` (so a copy whose
 * package.json dropped a dependency really cannot import it), as a fresh git repository.
 * With `modules: false`, no node_modules: what a fresh clone has.
 */
export function copyProject({ without = [] as string[], modules = true } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'project-copy-'));
  for (const file of new Tree(rootDir).list()) cpSync(join(rootDir, file), join(dir, file));
  if (!modules) {
    execFileSync('git', ['init', '-q'], { cwd: dir });
    return dir;
  }
  const source = join(rootDir, 'node_modules');
  const target = join(dir, 'node_modules');
  mkdirSync(target);
  for (const entry of readdirSync(source)) {
    if (entry.startsWith('@')) {
      mkdirSync(join(target, entry));
      for (const scoped of readdirSync(join(source, entry))) {
        if (!without.includes(`${entry}/${scoped}`))
          symlinkSync(join(source, entry, scoped), join(target, entry, scoped));
      }
    } else if (!without.includes(entry)) {
      symlinkSync(join(source, entry), join(target, entry));
    }
  }
  // A repository, as every real project is (actionlint, for one, looks for it).
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}
