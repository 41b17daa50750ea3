import type { Repository } from './git.ts';

export type ConflictKind =
  | 'content' // both changed the same lines: conflict markers in the file
  | 'binary' // both changed a binary file: the project's version stays
  | 'deleted-here' // the project deleted a file the template changed: it stays deleted
  | 'deleted-upstream' // the template deleted a file the project changed: the project's stays
  | 'value' // package.json or a locale file: both changed one value; the project's stays
  | 'other';

export type Conflict = {
  path: string;
  kind: ConflictKind;
  message: string;
  /** The template's change, for a file the project deleted. */
  diff?: string;
};

export type MergeResult = { tree: string; conflicts: Conflict[] };

/**
 * Merges two children of `base` with git's own merge (ort: renames, deletions, binaries, modes)
 * in a scratch repository: `ours` is the project, `theirs` the new render. git 2.39 has no
 * `merge-tree --merge-base`, so the three trees become commits: base, and two children of it.
 * The result tree holds conflict markers (labelled "project" and "template") where both sides
 * changed the same lines.
 */
export function mergeTrees(
  scratch: Repository,
  base: string,
  ours: string,
  theirs: string,
): MergeResult {
  const baseCommit = scratch.text(['commit-tree', base, '-m', 'template as the project had it']);
  scratch.text([
    'update-ref',
    'refs/heads/project',
    scratch.text(['commit-tree', ours, '-p', baseCommit, '-m', 'project']),
  ]);
  scratch.text([
    'update-ref',
    'refs/heads/template',
    scratch.text(['commit-tree', theirs, '-p', baseCommit, '-m', 'template']),
  ]);
  const output = scratch
    .buffer(['merge-tree', '--write-tree', '-z', 'project', 'template'], { okStatuses: [1] })
    .toString('utf8');
  return parseMergeTree(output);
}

// `merge-tree --write-tree -z`: the tree, NUL; conflicted entries "<mode> <oid> <stage>\t<path>",
// each NUL-terminated; an empty entry; then messages "<n>\0<path>...\0<type>\0<message>\0".
export function parseMergeTree(output: string): MergeResult {
  const fields = output.split('\0');
  const tree = fields[0] as string;
  const stages = new Map<string, Set<number>>();
  let i = 1;
  for (; i < fields.length && fields[i] !== ''; i++) {
    const match = (fields[i] as string).match(/^\d+ [0-9a-f]+ (\d)\t(.*)$/s);
    if (!match) break;
    const path = match[2] as string;
    stages.set(path, (stages.get(path) ?? new Set()).add(Number(match[1])));
  }
  const messages = new Map<string, { types: string[]; text: string[] }>();
  for (i += 1; i < fields.length && fields[i] !== ''; ) {
    const count = Number(fields[i]);
    const paths = fields.slice(i + 1, i + 1 + count);
    const type = fields[i + 1 + count] as string;
    const text = (fields[i + 2 + count] as string).trim();
    i += count + 3;
    if (!type.startsWith('CONFLICT')) continue;
    for (const path of paths) {
      const entry = messages.get(path) ?? { types: [], text: [] };
      entry.types.push(type);
      entry.text.push(text.replace(/^warning: /, ''));
      messages.set(path, entry);
    }
  }
  const conflicts: Conflict[] = [...stages].map(([path, present]) => {
    const info = messages.get(path) ?? { types: [], text: [] };
    const kind: ConflictKind = info.types.includes('CONFLICT (binary)')
      ? 'binary'
      : present.has(1) && !present.has(2) && present.has(3)
        ? 'deleted-here'
        : present.has(1) && present.has(2) && !present.has(3)
          ? 'deleted-upstream'
          : info.types.includes('CONFLICT (contents)') || info.types.includes('CONFLICT (add/add)')
            ? 'content'
            : 'other';
    return { path, kind, message: info.text.join(' ') };
  });
  return { tree, conflicts: conflicts.sort((a, b) => a.path.localeCompare(b.path)) };
}
