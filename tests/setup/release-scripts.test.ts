// The release and deploy workflows' scripts, run the way the workflows run them: a push-tag event
// (GITHUB_REF, GITHUB_EVENT_PATH), a local server standing in for the GitHub API, and for the image
// job a stand-in `docker` that records its calls (the real build, push and deploy need GitHub's
// runners and GHCR; tests/docker/ builds and deploys the image for real).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { releasePlan } from '../../scripts/github/release-plan.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { project } from '../../src/project.ts';
import { startFakeGitHub } from '../helpers/fake-github.ts';

const version = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')).version as string;
const SHA = 'abcdef1234567890abcdef1234567890abcdef12';
const dir = mkdtempSync(join(tmpdir(), 'release-scripts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function runScript(script: string, env: Record<string, string>) {
  const eventPath = join(dir, `event-${Math.random()}.json`);
  writeFileSync(
    eventPath,
    JSON.stringify({ ref: env.GITHUB_REF, repository: { is_template: false } }),
  );
  const outputPath = join(dir, `output-${Math.random()}`);
  writeFileSync(outputPath, '');
  const { NODE_TEST_CONTEXT: _, ...parent } = process.env;
  return new Promise<{ status: number; log: string; outputs: Record<string, string> }>(
    (resolve) => {
      execFile(
        process.execPath,
        [join(rootDir, script)],
        {
          cwd: rootDir,
          env: {
            ...parent,
            GITHUB_EVENT_PATH: eventPath,
            GITHUB_OUTPUT: outputPath,
            GITHUB_REPOSITORY: 'Acme/portal',
            GITHUB_REF: `refs/tags/v${version}`,
            GITHUB_SHA: SHA,
            GITHUB_TOKEN: 'test-token',
            ...env,
          },
        },
        (error, stdout, stderr) => {
          const outputs = Object.fromEntries(
            [...readFileSync(outputPath, 'utf8').matchAll(/^(\w+)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map(
              (m) => [m[1], m[3]],
            ),
          );
          resolve({ status: error ? Number(error.code ?? 1) : 0, log: stdout + stderr, outputs });
        },
      );
    },
  );
}

describe('release plan', () => {
  const base = { repository: 'Acme/Portal', sha: SHA, packageVersion: '1.2.3', slug: 'portal' };

  test('a release tag gives semver and sha- tags on a lowercase GHCR name', () => {
    const plan = releasePlan({ ...base, ref: 'refs/tags/v1.2.3' });
    assert.equal(plan.version, '1.2.3');
    assert.equal(plan.image, 'ghcr.io/acme/portal');
    assert.deepEqual(plan.tags, [
      'ghcr.io/acme/portal:1.2.3',
      'ghcr.io/acme/portal:1.2',
      'ghcr.io/acme/portal:1',
      'ghcr.io/acme/portal:sha-abcdef1',
    ]);
    assert.equal(plan.prerelease, false);
  });

  test('a prerelease moves no X.Y or X tag', () => {
    const plan = releasePlan({
      ...base,
      packageVersion: '2.0.0-rc.1',
      ref: 'refs/tags/v2.0.0-rc.1',
    });
    assert.equal(plan.prerelease, true);
    assert.deepEqual(plan.tags, [
      'ghcr.io/acme/portal:2.0.0-rc.1',
      'ghcr.io/acme/portal:sha-abcdef1',
    ]);
  });

  test('refuses a branch, a tag that is not semver, and a tag that does not match package.json', () => {
    assert.throws(() => releasePlan({ ...base, ref: 'refs/heads/main' }), /not a release tag/);
    assert.throws(() => releasePlan({ ...base, ref: 'refs/tags/v1.2' }), /not a release tag/);
    assert.throws(() => releasePlan({ ...base, ref: 'refs/tags/release-1' }), /not a release tag/);
    assert.throws(
      () => releasePlan({ ...base, ref: 'refs/tags/v1.2.4' }),
      /does not match package\.json \(1\.2\.3\)/,
    );
  });
});

describe('release workflow scripts', () => {
  let github: Awaited<ReturnType<typeof startFakeGitHub>>;
  let releases: Array<Record<string, unknown>>;
  before(async () => {
    github = await startFakeGitHub(({ method, path, body }) => {
      const tag = /^\/repos\/Acme\/portal\/releases\/tags\/(.+)$/.exec(path)?.[1];
      if (method === 'GET' && tag) {
        const found = releases.find((r) => r.tag_name === tag);
        return found ? [200, { ...found, html_url: `https://github.test/r/${tag}` }] : [404, {}];
      }
      if (method === 'POST' && path === '/repos/Acme/portal/releases') {
        releases.push(body as Record<string, unknown>);
        return [201, { ...(body as object), html_url: 'https://github.test/r/new' }];
      }
      return undefined;
    });
  });
  after(() => github.close());

  test('release-notes creates the release with generated notes, once', async () => {
    releases = [];
    const env = { GITHUB_API_URL: github.url };
    const first = await runScript('scripts/github/release-notes.ts', env);
    assert.equal(first.status, 0, first.log);
    assert.deepEqual(releases, [
      {
        tag_name: `v${version}`,
        name: `v${version}`,
        generate_release_notes: true,
        prerelease: false,
      },
    ]);
    const again = await runScript('scripts/github/release-notes.ts', env);
    assert.equal(again.status, 0, again.log);
    assert.equal(releases.length, 1, 'a rerun creates no second release');
  });

  // A stand-in docker: records each call; `buildx build --metadata-file` gets a digest, and the
  // scanner exits with SCAN_EXIT.
  function fakeDocker() {
    const calls = join(dir, `calls-${Math.random()}`);
    const bin = join(dir, `docker-${Math.random()}`);
    writeFileSync(
      bin,
      `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${calls}"
if [ "$1" = login ]; then printf 'stdin:%s\\n' "$(cat)" >> "${calls}"; fi
case " $* " in *" aquasec/trivy"*) exit "\${SCAN_EXIT:-0}" ;; esac
prev=""
for arg in "$@"; do
  if [ "$prev" = --metadata-file ]; then
    printf '{"containerimage.digest":"sha256:%s"}' "$(printf 'a%.0s' $(seq 64))" > "$arg"
  fi
  prev=$arg
done
`,
    );
    chmodSync(bin, 0o755);
    return { bin, calls: () => readFileSync(calls, 'utf8').trim().split('\n') };
  }

  test('release-image scans before it pushes, then pushes both platforms with provenance and SBOM', async () => {
    const docker = fakeDocker();
    const ran = await runScript('scripts/github/release-image.ts', { RELEASE_DOCKER: docker.bin });
    assert.equal(ran.status, 0, ran.log);
    const calls = docker.calls();
    const scan = calls.findIndex((c) => c.includes('aquasec/trivy'));
    const push = calls.findIndex((c) => c.includes('--push'));
    assert.ok(scan >= 0 && push > scan, 'the scan runs before the push');
    assert.match(calls[scan] as string, /--exit-code 1 --severity CRITICAL --ignore-unfixed/);
    const pushed = calls[push] as string;
    assert.match(pushed, /--platform linux\/amd64,linux\/arm64/);
    assert.match(pushed, /--provenance=mode=max --sbom=true/);
    for (const tag of [version, 'sha-abcdef1'])
      assert.ok(pushed.includes(`--tag ghcr.io/acme/${project.slug}:${tag}`), tag);
    // The token goes to docker login over stdin, never as an argument.
    assert.ok(calls.some((c) => c === 'stdin:test-token'));
    assert.ok(!calls.some((c) => c.includes('test-token') && !c.startsWith('stdin:')));
    assert.equal(ran.outputs.image, `ghcr.io/acme/${project.slug}@sha256:${'a'.repeat(64)}`);
    assert.equal(ran.outputs.version, version);
  });

  test('release-image pushes nothing when the scan finds a fixable critical vulnerability', async () => {
    const docker = fakeDocker();
    const ran = await runScript('scripts/github/release-image.ts', {
      RELEASE_DOCKER: docker.bin,
      SCAN_EXIT: '1',
    });
    assert.notEqual(ran.status, 0);
    assert.ok(!docker.calls().some((c) => c.includes('--push')));
    assert.equal(ran.outputs.image, undefined);
  });

  test('release-image refuses a tag that does not match package.json', async () => {
    const docker = fakeDocker();
    const ran = await runScript('scripts/github/release-image.ts', {
      RELEASE_DOCKER: docker.bin,
      GITHUB_REF: 'refs/tags/v99.0.0',
    });
    assert.notEqual(ran.status, 0);
    assert.match(ran.log, /does not match package\.json/);
  });
});

describe('deploy workflow script', () => {
  test('bad settings fail before connecting: clear summary, chat notification, exit 1', async () => {
    const received: string[] = [];
    const webhook = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => {
        received.push(text);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    const address = webhook.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    try {
      const ran = await runScript('scripts/github/deploy.ts', {
        INPUT_ACTION: 'deploy',
        INPUT_VERSION: '1.2.3',
        DEPLOY_HOST: 'deploy@host.example',
        DEPLOY_SSH_PRIVATE_KEY: 'not a key',
        DEPLOY_KNOWN_HOSTS: '',
        DEPLOY_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
        GITHUB_STEP_SUMMARY: summary,
      });
      assert.equal(ran.status, 1);
      assert.match(readFileSync(summary, 'utf8'), /DEPLOY_KNOWN_HOSTS is required/);
      assert.equal(received.length, 1);
      assert.match(
        JSON.parse(received[0] as string).text,
        /^Acme\/portal: deploy failed before reaching the host/,
      );
      assert.ok(!ran.log.includes('not a key'), 'the key is never printed');
    } finally {
      webhook.close();
    }
  });
});
