import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { Tree } from '../../codemods/tree.ts';
import { firstCommitDate, INDEX, readDecisions, renderIndex } from '../../scripts/decisions.ts';
import { rootDir } from '../../src/core/config/paths.ts';

const tree = new Tree(rootDir);

test('docs/decisions/README.md lists every record with its title, date and status', () => {
  const undated = readDecisions(tree).filter((d) => !d.date);
  assert.deepEqual(
    undated.map((d) => d.path),
    [],
    'run npm run docs:decisions to date them',
  );
  assert.equal(
    tree.read(INDEX),
    renderIndex(tree),
    `${INDEX} is stale: run npm run docs:decisions`,
  );
});

// Where git has the whole history, no record is dated after the day it was first committed (the
// date npm run docs:decisions gives it). Earlier is right for a record that came with the template
// or a template update. A shallow clone (CI's checkout) has no such dates to compare with.
const shallow = (() => {
  try {
    return (
      execFileSync('git', ['rev-parse', '--is-shallow-repository'], {
        cwd: rootDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() !== 'false'
    );
  } catch {
    return true;
  }
})();

test('no record is dated after it was first committed', {
  skip: shallow && 'no full git history here',
}, () => {
  for (const decision of readDecisions(tree)) {
    const committed = firstCommitDate(rootDir, decision.path);
    if (committed)
      assert.ok(
        (decision.date ?? '') <= committed,
        `${decision.path}: ${decision.date} > ${committed}`,
      );
  }
});
