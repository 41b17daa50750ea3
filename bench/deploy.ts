// `npm run bench:deploy`: the deploy figures on one machine (bench/README.md): tag to serving on a
// warm host (image built from a version-bumped copy of the project, pushed, deployed), the switch
// itself, failed requests while deploying under load, and rollback with a local image. Uses the
// Docker suite's stage (tests/docker/stage.ts): local registry, sshd as the host, Caddy in front.
// Needs Docker running: `bash scripts/docker.sh install && bash scripts/docker.sh start`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootDir } from '../src/core/config/paths.ts';
import { buildProjectImage, release } from '../tests/docker/images.ts';
import { startLoad } from '../tests/docker/load.ts';
import { docker, run } from '../tests/docker/run.ts';
import { servingVersion, startStage } from '../tests/docker/stage.ts';
import { copyProject } from '../tests/helpers/project-copy.ts';

const progress = (text: string) => process.stderr.write(`[bench:deploy] ${text}\n`);
if (run(docker, ['info'], { check: false }).code !== 0) {
  console.error(
    'Docker is not running: bash scripts/docker.sh install && bash scripts/docker.sh start',
  );
  process.exit(2);
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const resultOf = (text: string) =>
  Object.fromEntries(
    (/^result: (.*)$/m.exec(text)?.[1] ?? '')
      .split(' ')
      .map((pair) => pair.split('=') as [string, string]),
  );

const stage = await startStage();
const figures: Record<string, number | string> = {};
try {
  progress('building the project image (cached layers) and the first release');
  buildProjectImage();
  const v1 = release(stage.registry.address, '1.0.0');
  const first = stage.cli(['deploy', '1.0.0', '--image', v1.digest]);
  if (first.code !== 0) throw new Error(`the first deploy failed:\n${first.stderr}`);
  stage.trustCaddy();

  // 1. Tag to serving: a version bump (package.json and lockfile change, as `npm run release`
  // makes), the image built from it, pushed, deployed, until the site reports the version.
  progress('tag to serving: build, push, deploy 1.1.0');
  const copy = copyProject();
  try {
    execFileSync('npm', ['version', '1.1.0', '--no-git-tag-version'], {
      cwd: copy,
      stdio: 'ignore',
    });
    const started = performance.now();
    const tag = `${stage.registry.address}/groundwork:1.1.0`;
    run(docker, ['build', '-q', '-t', tag, copy], {
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
    const built = performance.now();
    run(docker, ['push', '-q', tag]);
    const digest = run(docker, ['inspect', '-f', '{{index .RepoDigests 0}}', tag]).stdout.trim();
    const pushed = performance.now();
    const deployed = stage.cli(['deploy', '1.1.0', '--image', digest]);
    if (deployed.code !== 0 || servingVersion(stage) !== '1.1.0')
      throw new Error(`deploying 1.1.0 failed:\n${deployed.stderr}`);
    const done = performance.now();
    figures.tagToServingSeconds = seconds(done - started);
    figures.buildSeconds = seconds(built - started);
    figures.pushSeconds = seconds(pushed - built);
    figures.deploySeconds = seconds(done - pushed);
    figures.switchMs = Number(resultOf(deployed.stdout).switch_ms);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }

  // 2. A deploy under load: 4 clients back to back through Caddy for the whole deploy.
  progress('deploy 2.0.0 under load');
  const v2 = release(stage.registry.address, '2.0.0');
  const load = startLoad({
    domain: 'app.test',
    ca: stage.trustCaddy(),
    clients: 4,
    maxMs: 180_000,
    maxRequests: 200_000,
  });
  await new Promise((r) => setTimeout(r, 1000));
  const underLoad = await stage.cliInBackground(['deploy', '2.0.0', '--image', v2.digest]).done;
  // Until the old version has stopped too (the deploy does that after reporting).
  await stage.idle();
  const loaded = await load.stop();
  if (underLoad.code !== 0)
    throw new Error(`deploying 2.0.0 under load failed:\n${underLoad.stderr}`);
  figures.requestsDuringDeploy = loaded.ok + loaded.failed;
  figures.failedRequests = loaded.failed;
  figures.retriedRequests = loaded.retried;
  figures.switchUnderLoadMs = Number(resultOf(underLoad.stdout).switch_ms);

  // 3. Rollback with the registry stopped: the image is on the host.
  progress('rollback to 1.1.0 with the registry stopped');
  await stage.registry.stop();
  const rollback = stage.cli(['rollback', '1.1.0']);
  await stage.registry.restart();
  if (rollback.code !== 0 || servingVersion(stage) !== '1.1.0')
    throw new Error(`the rollback failed:\n${rollback.stderr}`);
  figures.rollbackSeconds = seconds(rollback.ms);
  figures.rollbackHostSeconds = Number(resultOf(rollback.stdout).seconds);
} finally {
  await stage.teardown();
}

const rows: Array<[string, string, string]> = [
  ['tag to serving (warm host: build, push, deploy)', `${figures.tagToServingSeconds} s`, ''],
  ['  of which: image build', `${figures.buildSeconds} s`, ''],
  ['  of which: push to the registry', `${figures.pushSeconds} s`, ''],
  ['  of which: deploy (npm run deploy, over SSH)', `${figures.deploySeconds} s`, ''],
  ['switch (Caddy reload to the public URL answering)', `${figures.switchMs} ms`, ''],
  ['switch under load', `${figures.switchUnderLoadMs} ms`, ''],
  [
    'failed requests during a deploy under load',
    `${figures.failedRequests} of ${figures.requestsDuringDeploy}`,
    'target 0',
  ],
  [
    'rollback with a local image (npm run rollback)',
    `${figures.rollbackSeconds} s`,
    'target < 10 s',
  ],
  ['  of which: on the host, until switched and checked', `${figures.rollbackHostSeconds} s`, ''],
];
for (const [name, value, target] of rows)
  console.log(`${name.padEnd(52)} ${value.padStart(14)}  ${target}`);
mkdirSync(join(rootDir, 'bench/results'), { recursive: true });
writeFileSync(join(rootDir, 'bench/results/deploy.json'), `${JSON.stringify(figures, null, 2)}\n`);
