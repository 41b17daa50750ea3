import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';

// On Node 24 (this test's Node) the launcher runs the script as `node` would: the main module,
// with its arguments, and its exit status comes back. tests/infra/fresh-clone.test.ts covers an
// older Node.
const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('scripts/node24.js runs a script as the main module, with its arguments and exit status', () => {
  const script = join(dir, 'probe.ts');
  writeFileSync(
    script,
    'console.log(JSON.stringify([import.meta.main, process.argv.slice(2)]));\nprocess.exit(3);\n',
  );
  const run = spawnSync(process.execPath, [join(rootDir, 'scripts/node24.js'), script, 'a', 'b'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 3, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [true, ['a', 'b']]);
  assert.equal(run.stderr, '', 'nothing to say on Node 24');
});
