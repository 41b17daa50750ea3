// Lints the GitHub workflows with actionlint (syntax, expressions, shellcheck of run: scripts) and
// zizmor (security: injection, credentials, pinning). Both must report nothing. A missing binary
// (shellcheck included) fails the test: a skipped lint looks exactly like a clean one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const installHint =
  'Run `scripts/services.sh install`, then `eval "$(scripts/services.sh env)"` to set its path.';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

function binary(name: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    assert.ok(isExecutable(fromEnv), `${envVar}=${fromEnv} is not an executable. ${installHint}`);
    return fromEnv;
  }
  const found = onPath(name);
  assert.ok(found, `${name} not found (${envVar} is unset and it is not on PATH). ${installHint}`);
  return found;
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

test('actionlint reports no findings', () => {
  const actionlint = binary('actionlint', 'ACTIONLINT');
  // actionlint skips the shellcheck of run: scripts when it finds no shellcheck: name it, so that
  // a missing one fails here instead (GitHub's runners have it; services.sh installs it).
  const shellcheck = binary('shellcheck', 'SHELLCHECK');
  const { status, output } = run(actionlint, [
    '-no-color',
    '-oneline',
    `-shellcheck=${shellcheck}`,
  ]);
  assert.equal(status, 0, `actionlint findings:\n${output}`);
});

test('zizmor reports no findings', () => {
  const zizmor = binary('zizmor', 'ZIZMOR');
  // --offline: GitHub may be unreachable, and online audits would make the result depend on it.
  // The regular persona is zizmor's gate for CI (see docs/decisions/0006-ci-and-containers.md).
  const { status, output } = run(zizmor, [
    '--offline',
    '--persona=regular',
    '--no-progress',
    '--color=never',
    '.',
  ]);
  assert.equal(status, 0, `zizmor findings:\n${output}`);
});
