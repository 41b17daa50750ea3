// The shell scripts run where a mistake is costly (CI's cold install, a production host), and
// shellcheck catches quoting and exit-status slips before they do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';

test('every shell script is shellcheck-clean', () => {
  const scripts = globSync(['.ci/run', 'deploy/**/*.sh', 'scripts/**/*.sh'], { cwd: rootDir });
  assert.ok(scripts.includes('scripts/services.sh'), `found: ${scripts.join(', ')}`);
  const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: rootDir, encoding: 'utf8' });
  assert.ifError(result.error);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
