// `npm run docs:decisions`: dates new decision records and writes their index,
// docs/decisions/README.md. A record's date is when it was first committed (git), or today for one
// not committed yet; it is written into the record (`Date: YYYY-MM-DD` under its status) so the
// index stays true in a copy without the template's history. A test keeps the index current.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifests } from '../codemods/features.ts';
import { Tree } from '../codemods/tree.ts';
import { rootDir } from '../src/core/config/paths.ts';

export const DECISIONS_DIR = 'docs/decisions';
export const INDEX = `${DECISIONS_DIR}/README.md`;

export type Decision = {
  path: string;
  number: string;
  title: string;
  status: string;
  date?: string;
};

/** The records, by number, with what their first lines say. */
export function readDecisions(tree: Tree): Decision[] {
  return tree
    .list(DECISIONS_DIR)
    .filter((path) => /\/\d{4}-[^/]+\.md$/.test(path))
    .map((path) => {
      const text = tree.require(path);
      const heading = /^# (\d{4})\. (.+)$/m.exec(text);
      if (!heading) throw new Error(`${path}: the first line must be "# NNNN. Title"`);
      return {
        path,
        number: heading[1] as string,
        title: heading[2] as string,
        status: /^Status: (.+)$/m.exec(text)?.[1] ?? 'accepted',
        date: /^Date: (\d{4}-\d{2}-\d{2})$/m.exec(text)?.[1],
      };
    });
}

/** The index: a row per record; a feature's records inside its section, so they leave with it. */
export function renderIndex(tree: Tree): string {
  const owners = new Map(
    readManifests(tree).flatMap((feature) => feature.paths.map((path) => [path, feature.name])),
  );
  const rows = readDecisions(tree).map((d) => {
    const file = d.path.slice(DECISIONS_DIR.length + 1);
    const row = `| [${d.number}](${file}) | ${d.title.replaceAll('|', '\\|')} | ${d.date ?? '?'} | ${d.status} |`;
    const feature = owners.get(d.path);
    return feature ? `<!-- feature:${feature} -->\n${row}\n<!-- /feature:${feature} -->` : row;
  });
  return `# Decision records

Why the stack and the structure are what they are: one record per non-obvious choice (context,
decision, consequences). A record that a later one replaces says so in its status. Add one as
\`NNNN-short-title.md\` (next free number, same headings), then run \`npm run docs:decisions\`: it
dates the record and rewrites this index (a test fails while it is stale).

| Record | Decision | Date | Status |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}

/** When git first saw a file (YYYY-MM-DD), if it has. */
export function firstCommitDate(root: string, path: string): string | undefined {
  try {
    const out = execFileSync(
      'git',
      ['log', '--diff-filter=A', '--follow', '--format=%as', '--', path],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    return out.trim().split('\n').filter(Boolean).at(-1);
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  for (const decision of readDecisions(new Tree(rootDir)).filter((d) => !d.date)) {
    const date = firstCommitDate(rootDir, decision.path) ?? new Date().toISOString().slice(0, 10);
    const file = join(rootDir, decision.path);
    const text = readFileSync(file, 'utf8');
    const status = /^Status: .*$/m.exec(text);
    writeFileSync(
      file,
      status
        ? text.replace(status[0], `${status[0]}\n\nDate: ${date}`)
        : text.replace(/^(# .*\n)/, `$1\nDate: ${date}\n`),
    );
    console.log(`dated ${decision.path}: ${date}`);
  }
  writeFileSync(join(rootDir, INDEX), renderIndex(new Tree(rootDir)));
  console.log(`wrote ${INDEX}`);
}
