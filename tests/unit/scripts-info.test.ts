import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import packageJson from '../../package.json' with { type: 'json' };
import { rootDir } from '../../src/core/config/paths.ts';

// `npm run help` prints package.json's "scripts-info": one line per script, none missing, none
// left over from a removed script (a feature's removal takes both, codemods/features.ts).
describe('scripts-info', () => {
  const scripts = Object.keys(packageJson.scripts);
  const info: Record<string, string> = packageJson['scripts-info'];

  test('describes every npm script, in the same order, and nothing else', () => {
    assert.deepEqual(Object.keys(info), scripts);
  });

  test('each description is one short line', () => {
    for (const [name, line] of Object.entries(info)) {
      assert.match(line, /^\S[^\n]{9,109}$/, `${name}: one line of 10 to 110 characters`);
    }
  });

  test('npm run help lists them all', () => {
    const output = execFileSync(process.execPath, ['scripts/help.ts'], {
      cwd: rootDir,
      encoding: 'utf8',
    });
    for (const name of scripts) {
      assert.match(
        output,
        new RegExp(`^ {2}${RegExp.escape(name)} +${RegExp.escape(info[name] ?? '')}$`, 'm'),
      );
    }
  });
});
