// The release images the suite deploys: the project's own Dockerfile built once (as the release
// workflow builds it), then versions made from it that differ the way real releases do.
import { mkdtempSync, rmSync } from 'node:fs';
import { rootDir } from '../../src/core/config/paths.ts';
import { docker, run } from './run.ts';

export const baseImage = 'groundwork-e2e/app:build';

/** Builds the project's image from its Dockerfile (BuildKit, cached between runs). */
export function buildProjectImage(tag = baseImage) {
  run(docker, ['build', '-q', '-t', tag, rootDir], {
    env: { ...process.env, DOCKER_BUILDKIT: '1' },
  });
}

/**
 * A release of `version`, derived from the project's image: package.json carries the version (the
 * app reports it at /health), and `cmd` replaces the command when a release should misbehave.
 * Pushed to `registry`; returns the digest reference a deploy takes.
 */
export function release(registry: string, version: string, cmd?: string[]) {
  const context = mkdtempSync('/tmp/gw-release-');
  try {
    const dockerfile = [
      `FROM ${baseImage}`,
      'USER root',
      `RUN node -e "const f='package.json',p=JSON.parse(require('fs').readFileSync(f));p.version='${version}';require('fs').writeFileSync(f,JSON.stringify(p))"`,
      'USER node',
      ...(cmd ? [`CMD ${JSON.stringify(cmd)}`] : []),
    ].join('\n');
    const tag = `${registry}/groundwork:${version}`;
    run(docker, ['build', '-q', '-t', tag, '-f', '-', context], {
      input: dockerfile,
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
    run(docker, ['push', '-q', tag]);
    const digest = run(docker, ['inspect', '-f', '{{index .RepoDigests 0}}', tag]).stdout.trim();
    return { version, tag, digest };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Removes images the suite made (not the cached base layers). */
export function removeImages(refs: string[]) {
  run(docker, ['image', 'rm', '-f', ...refs], { check: false });
}
