// What a release tag makes: the version, the image name in GHCR and its tags. Pure, so the rules
// (semver tags only, the tag matches package.json, lowercase image names) are tested without a
// registry (tests/setup/release-scripts.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { rootDir } from '../../src/core/config/paths.ts';
import { project } from '../../src/project.ts';

const semver =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export const releaseInputSchema = z.object({
  ref: z.string(),
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  packageVersion: z.string(),
  slug: z.string().regex(/^[a-z][a-z0-9-]*$/),
});

export type ReleasePlan = {
  tag: string;
  version: string;
  prerelease: boolean;
  /** ghcr.io/<owner>/<slug>, lowercase as GHCR requires. */
  image: string;
  /** Full references: X.Y.Z, X.Y and X (not for prereleases), sha-<short>. */
  tags: string[];
};

export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

export function releasePlan(input: z.input<typeof releaseInputSchema>): ReleasePlan {
  const { ref, repository, sha, packageVersion, slug } = releaseInputSchema.parse(input);
  const tag = ref.replace(/^refs\/tags\//, '');
  const match = semver.exec(tag);
  if (!ref.startsWith('refs/tags/') || !match) {
    throw new ReleaseError(
      `"${ref}" is not a release tag: push a tag like v1.2.0 (npm run release -- patch makes one).`,
    );
  }
  const version = tag.slice(1);
  if (version !== packageVersion) {
    throw new ReleaseError(
      `The tag ${tag} does not match package.json (${packageVersion}): the app reports package.json's ` +
        'version, so the deploy could not check it. Tag with npm run release, or bump package.json first.',
    );
  }
  const [, major, minor, , prerelease] = match;
  const image = `ghcr.io/${(repository.split('/')[0] as string).toLowerCase()}/${slug}`;
  const short = prerelease ? [] : [`${major}.${minor}`, `${major}`];
  return {
    tag,
    version,
    prerelease: Boolean(prerelease),
    image,
    tags: [version, ...short, `sha-${sha.slice(0, 7)}`].map((t) => `${image}:${t}`),
  };
}

/** The plan for the tag this workflow run is for (GITHUB_REF, GITHUB_REPOSITORY, GITHUB_SHA). */
export function currentRelease(env = process.env, root = rootDir): ReleasePlan {
  return releasePlan({
    ref: env.GITHUB_REF ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    sha: env.GITHUB_SHA ?? '',
    packageVersion: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    slug: project.slug,
  });
}
