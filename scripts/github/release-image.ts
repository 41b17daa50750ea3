// Release workflow, image job: builds the image for linux/amd64 and linux/arm64, scans it (fails on
// critical vulnerabilities that have a fix) before anything is pushed, then pushes it to GHCR with
// its semver and sha- tags, BuildKit provenance and an SBOM attached. Outputs `image` (by digest)
// and `version` for the deploy. Needs Docker with buildx and QEMU: GitHub's runners have them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootDir } from '../../src/core/config/paths.ts';
import { info, repository, setOutput } from './github.ts';
import { currentRelease } from './release-plan.ts';

// Scanner image: a release of Trivy; update it with the rest of the tooling.
const TRIVY_IMAGE = 'aquasec/trivy:0.58.1';
const docker = process.env.RELEASE_DOCKER ?? 'docker';
const run = (args: string[], input?: string) =>
  execFileSync(docker, args, {
    cwd: rootDir,
    stdio: [input ? 'pipe' : 'ignore', 'inherit', 'inherit'],
    input,
  });

const { owner, repo } = repository();
const plan = currentRelease();
info(`Releasing ${plan.tag} as ${plan.tags.join(', ')}`);

const labels = [
  `org.opencontainers.image.source=https://github.com/${owner}/${repo}`,
  `org.opencontainers.image.version=${plan.version}`,
  `org.opencontainers.image.revision=${process.env.GITHUB_SHA}`,
].flatMap((label) => ['--label', label]);

// Emulation for the arm64 build, and a builder that can build for several platforms.
run(['run', '--privileged', '--rm', 'tonistiigi/binfmt', '--install', 'arm64']);
run(['buildx', 'create', '--name', 'release', '--driver', 'docker-container', '--use']);

// 1. Scan before pushing: the amd64 build, loaded locally.
const scanned = `${plan.image}:scan`;
run(['buildx', 'build', '--platform', 'linux/amd64', '--load', '--tag', scanned, ...labels, '.']);
run([
  'run',
  '--rm',
  '--volume',
  '/var/run/docker.sock:/var/run/docker.sock',
  TRIVY_IMAGE,
  'image',
  '--exit-code',
  '1',
  '--severity',
  'CRITICAL',
  '--ignore-unfixed',
  '--no-progress',
  scanned,
]);

// 2. Push both platforms (the amd64 layers come from the cache of step 1).
run(
  ['login', 'ghcr.io', '--username', process.env.GITHUB_ACTOR ?? owner, '--password-stdin'],
  process.env.GITHUB_TOKEN ?? '',
);
const metadata = join(mkdtempSync(join(tmpdir(), 'release-')), 'metadata.json');
run([
  'buildx',
  'build',
  '--platform',
  'linux/amd64,linux/arm64',
  '--push',
  '--provenance=mode=max',
  '--sbom=true',
  '--metadata-file',
  metadata,
  ...plan.tags.flatMap((tag) => ['--tag', tag]),
  ...labels,
  '.',
]);
const digest: string = JSON.parse(readFileSync(metadata, 'utf8'))['containerimage.digest'];
if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`buildx reported no digest: ${digest}`);
setOutput('image', `${plan.image}@${digest}`);
setOutput('version', plan.version);
setOutput('prerelease', String(plan.prerelease));
info(`Pushed ${plan.image}@${digest}`);
