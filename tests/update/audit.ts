import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdatePlan } from '../../codemods/update/update.ts';

// Checks an applied update line by line: every line the project added since its version of the
// template is still in the result (project edits lost: the bench's "lines lost" figure), and
// every line the template added is in the result unless the file is listed as a conflict.

const IGNORED = new Set(['package-lock.json', '.template/lock.json']);
const MARKER = /^(<<<<<<<|=======|>>>>>>>)( |$)/;

function files(gitDir: string, tree: string): Map<string, string> {
  const out = execFileSync('git', [`--git-dir=${gitDir}`, 'ls-tree', '-r', '-z', tree]).toString();
  const map = new Map<string, string>();
  for (const entry of out.split('\0').filter(Boolean)) {
    const [meta = '', path = ''] = entry.split('\t');
    map.set(path, meta.split(' ')[2] as string);
  }
  return map;
}
const blob = (gitDir: string, oid: string | undefined) =>
  oid === undefined
    ? undefined
    : execFileSync('git', [`--git-dir=${gitDir}`, 'cat-file', 'blob', oid]).toString('utf8');
const lines = (text: string | undefined) =>
  new Set(
    (text ?? '')
      .split('\n')
      // A JSON member gains or loses its comma when a key is added after it.
      .map((l) => l.trim().replace(/,$/, ''))
      .filter((l) => l !== '' && !MARKER.test(l)),
  );

export type Audit = {
  lostProjectLines: Array<{ path: string; line: string }>;
  missingTemplateChanges: Array<{ path: string; line: string }>;
};

export function audit(project: string, plan: UpdatePlan): Audit {
  const cache = plan.templateGitDir;
  const projectGit = join(project, '.git');
  const base = files(cache, plan.trees.base);
  const theirs = files(cache, plan.trees.theirs);
  const ours = files(projectGit, plan.trees.ours);
  const result = (path: string) =>
    existsSync(join(project, path)) ? readFileSync(join(project, path), 'utf8') : undefined;
  const conflicted = new Set(plan.conflicts.map((c) => c.path));
  // Files the template renamed: the project's edits travel to the new name.
  const renames = new Map<string, string>();
  const status = execFileSync('git', [
    `--git-dir=${cache}`,
    'diff-tree',
    '-r',
    '-M',
    '--name-status',
    plan.trees.base,
    plan.trees.theirs,
  ]).toString();
  for (const line of status.split('\n')) {
    const [kind = '', from = '', to = ''] = line.split('\t');
    if (kind.startsWith('R')) renames.set(from, to);
  }

  const lostProjectLines: Audit['lostProjectLines'] = [];
  for (const [path, oid] of ours) {
    if (IGNORED.has(path) || base.get(path) === oid) continue;
    const before = lines(blob(cache, base.get(path)));
    const after = new Set([...lines(result(path)), ...lines(result(renames.get(path) ?? path))]);
    for (const line of lines(blob(projectGit, oid))) {
      if (before.has(line) || after.has(line)) continue;
      if (path === 'package.json' && line.startsWith('"version"')) continue;
      lostProjectLines.push({ path, line });
    }
  }

  const missingTemplateChanges: Audit['missingTemplateChanges'] = [];
  const renamedFrom = new Map([...renames].map(([from, to]) => [to, from]));
  for (const [path, oid] of theirs) {
    if (IGNORED.has(path) || base.get(path) === oid || conflicted.has(path)) continue;
    if (base.has(path) && !ours.has(path)) continue; // deleted by the project, unchanged upstream
    const before = lines(blob(cache, base.get(renamedFrom.get(path) ?? path)));
    const now = lines(result(path));
    for (const line of lines(blob(cache, oid))) {
      if (before.has(line) || now.has(line)) continue;
      if (path === 'package.json' && line.startsWith('"version"')) continue;
      missingTemplateChanges.push({ path, line });
    }
  }
  for (const path of base.keys()) {
    if (theirs.has(path) || renames.has(path) || conflicted.has(path)) continue;
    if (result(path) !== undefined) missingTemplateChanges.push({ path, line: '(deleted)' });
  }
  return { lostProjectLines, missingTemplateChanges };
}
