// A template update leaves conflicts as `<<<<<<< project` / `>>>>>>> template` markers (docs/
// decisions/0060); this check fails while any is left in a tracked file, so an update pull
// request cannot pass CI before its conflicts are resolved.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rootDir } from '../../src/core/config/paths.ts';

const MARKER = /^(<<<<<<< project|>>>>>>> template)$/m;

test('no template update conflict markers are left', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: rootDir })
    .toString('utf8')
    .split('\0')
    .filter(Boolean);
  const marked = files.filter((file) => {
    try {
      return MARKER.test(readFileSync(join(rootDir, file), 'utf8'));
    } catch {
      return false; // deleted in the working tree
    }
  });
  assert.deepEqual(marked, [], `resolve the template update conflicts in: ${marked.join(', ')}`);
});
