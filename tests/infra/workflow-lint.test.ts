// Lints the GitHub workflows with actionlint (syntax, expressions, shellcheck of run: scripts) and
// zizmor (security: injection, credentials, pinning), with its pedantic persona. Both must report
// nothing but what is accepted below by name. A missing binary
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
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`.trim(),
  };
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

// Service container images not yet pinned by digest, each accepted here by name. A digest can only
// be read from the registry (`docker buildx imagetools inspect mongo:8`), and Docker Hub was out of
// reach where these were last edited: pin them as `image: mongo@sha256:... # 8` where it is
// reachable and remove them from this list (docs/decisions/0006-ci-and-containers.md).
const UNPINNED_IMAGES_ACCEPTED = new Set(['mongo:8', 'redis:7']);

type ZizmorFinding = {
  ident: string;
  /** Silenced in the workflow itself (`# zizmor: ignore[...]`, with its reason there). */
  ignored: boolean;
  locations: Array<{
    symbolic: { key: { Local?: { verbatim_path: string } } };
    concrete: { location: { start_point: { row: number } }; feature: string };
  }>;
};

test('security review 15: zizmor, pedantic persona, reports nothing but the images listed as accepted', () => {
  const zizmor = binary('zizmor', 'ZIZMOR');
  // --offline: GitHub may be unreachable, and online audits would make the result depend on it.
  // The pedantic persona: every permission says why, every image and action is pinned.
  const { stdout, output } = run(zizmor, [
    '--offline',
    '--persona=pedantic',
    '--no-progress',
    '--format=json',
    '.',
  ]);
  assert.ok(stdout.trim().startsWith('['), `zizmor did not answer with JSON:\n${output}`);
  const findings = JSON.parse(stdout) as ZizmorFinding[];
  const unaccepted = findings.filter((finding) => {
    if (finding.ignored) return false;
    const image = finding.locations[0]?.concrete.feature.match(/image:\s*(\S+)/)?.[1] ?? '';
    return !(finding.ident === 'unpinned-images' && UNPINNED_IMAGES_ACCEPTED.has(image));
  });
  const where = (f: ZizmorFinding) =>
    f.locations.map(
      (l) =>
        `${f.ident} ${l.symbolic.key.Local?.verbatim_path}:${l.concrete.location.start_point.row + 1}: ${l.concrete.feature.trim()}`,
    );
  assert.deepEqual(unaccepted.flatMap(where), [], 'zizmor findings (pedantic)');
});
