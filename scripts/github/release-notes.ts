// Release workflow, release job: the GitHub Release for the tag, with notes GitHub generates from
// the merged pull requests, grouped by .github/release.yml. Idempotent: a rerun leaves an existing
// release as it is.
import { api, hasStatus, info, repository } from './github.ts';
import { currentRelease } from './release-plan.ts';

const { owner, repo } = repository();
const plan = currentRelease();
const github = api();
try {
  const { data } = await github.rest.repos.getReleaseByTag({ owner, repo, tag: plan.tag });
  info(`The release for ${plan.tag} exists already: ${data.html_url}`);
} catch (error) {
  if (!hasStatus(error, 404)) throw error;
  const { data } = await github.rest.repos.createRelease({
    owner,
    repo,
    tag_name: plan.tag,
    name: plan.tag,
    generate_release_notes: true,
    prerelease: plan.prerelease,
  });
  info(`Created ${data.html_url}`);
}
