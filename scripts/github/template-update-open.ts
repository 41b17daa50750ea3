// Template update workflow, write job: commits the tested patch on the branch `template-update`
// (never the default branch), pushes it and opens the one pull request for it, or updates the one
// already open. Conflicts make it a draft. Workflow files need TEMPLATE_UPDATE_TOKEN (a token
// with the workflows permission): without it they stay out of the branch and the body carries
// them as a patch with the command that applies it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  api,
  asBot,
  BOT,
  git as gitArgs,
  info,
  markers,
  readEvent,
  repository,
  templateUpdateDir,
  tokenEnv,
  warning,
} from './github.ts';

export const BRANCH = 'template-update';
// GitHub refuses pull request bodies over 65,536 characters.
const BODY_LIMIT = 60_000;

const report = z
  .object({
    title: z.string(),
    body: z.string(),
    conflicts: z.number().int(),
    workflowChanges: z.array(z.string()),
    to: z.object({ commit: z.string(), tag: z.string().optional() }),
  })
  .parse(JSON.parse(readFileSync(join(templateUpdateDir(), 'report.json'), 'utf8')));
const event = readEvent(z.object({ repository: z.object({ default_branch: z.string() }) }));
const base = event.repository.default_branch;
const { owner, repo } = repository();
const github = api();
const userToken = process.env.TEMPLATE_UPDATE_TOKEN || undefined;
const withWorkflows = userToken !== undefined;

const git = (...args: string[]) => gitArgs(args);
const remote = git('remote', 'get-url', 'origin');
const auth = tokenEnv(remote, userToken ?? process.env.GITHUB_TOKEN);

const { data: open } = await github.rest.pulls.list({
  owner,
  repo,
  state: 'open',
  head: `${owner}:${BRANCH}`,
  per_page: 10,
});
const existing = open[0];

// A person may have pushed conflict resolutions to the open pull request's branch: never push
// over their commits. (Once it is merged or closed, the branch is the bot's again.)
const remoteHead = gitArgs(['ls-remote', 'origin', `refs/heads/${BRANCH}`], auth).split('\t')[0];
if (existing && remoteHead) {
  // The bot's branch is one commit on the default branch; anything on top is a person's.
  gitArgs(['fetch', '-q', '--depth=1', 'origin', `refs/heads/${BRANCH}`], auth);
  const author = git('log', '-1', '--format=%ae', remoteHead);
  if (author !== BOT.email) {
    warning(
      `${BRANCH} ends with a commit by ${author}; it is left as it is. Merge or close pull request #${existing.number}, and the next run starts over.`,
    );
    process.exit(0);
  }
}

const dir = templateUpdateDir();
const patches = ['update.patch', ...(withWorkflows ? ['workflows.patch'] : [])];
git('checkout', '-q', '-B', BRANCH);
for (const patch of patches) {
  const path = join(dir, patch);
  if (existsSync(path) && readFileSync(path).length > 0)
    git('apply', '--index', '--binary', '--whitespace=nowarn', path);
}
git(...asBot, 'commit', '-q', '-m', report.title);
gitArgs(['push', '-q', '--force', 'origin', `HEAD:refs/heads/${BRANCH}`], auth);
info(`pushed ${git('rev-parse', 'HEAD')} to ${BRANCH}`);

function workflowSection(): string {
  if (report.workflowChanges.length === 0) return '';
  const files = report.workflowChanges.map((p) => `\`${p}\``).join(', ');
  if (withWorkflows)
    return `\n### Workflow files\n\nIncluded (${files}), pushed with \`TEMPLATE_UPDATE_TOKEN\`.\n`;
  const patch = readFileSync(join(dir, 'workflows.patch'), 'utf8');
  const lines = [
    '',
    '### Workflow files: not in this branch',
    '',
    `This update also changes ${files}. The workflow's own token may not push workflow files, so they were left out.`,
    `Apply them on this branch (\`git fetch origin ${BRANCH} && git checkout ${BRANCH}\`), then commit and push:`,
    '',
  ];
  const command = [
    "git apply --index <<'GROUNDWORK_PATCH'",
    patch.trimEnd(),
    'GROUNDWORK_PATCH',
  ].join('\n');
  if (command.length < BODY_LIMIT / 2) lines.push('```sh', command, '```');
  else
    lines.push(
      `The patch is too long for this page: run \`npm run template:update -- --to ${report.to.tag ?? report.to.commit}\` on the default branch locally (it includes workflow files) and push that instead.`,
    );
  lines.push(
    '',
    'To have this workflow include them itself, add a repository secret `TEMPLATE_UPDATE_TOKEN`: a fine-grained personal access token (or a GitHub App token) with Contents, Pull requests and Workflows write access to this repository.',
    '',
  );
  return lines.join('\n');
}

let body = `${markers.templateUpdate}\n${report.body}${workflowSection()}`;
if (body.length > BODY_LIMIT)
  body = `${body.slice(0, BODY_LIMIT)}\n\n… (cut: run the update locally for the whole report)\n`;
const draft = report.conflicts > 0;

if (existing) {
  await github.rest.pulls.update({
    owner,
    repo,
    pull_number: existing.number,
    title: report.title,
    body,
  });
  // The REST API cannot change a pull request's draft state; GraphQL can.
  if (existing.draft !== draft) {
    const mutation = draft ? 'convertPullRequestToDraft' : 'markPullRequestReadyForReview';
    await github.graphql(
      `mutation($id: ID!) { ${mutation}(input: { pullRequestId: $id }) { clientMutationId } }`,
      { id: existing.node_id },
    );
  }
  info(`updated pull request #${existing.number}${draft ? ' (draft: conflicts)' : ''}`);
} else {
  const { data: created } = await github.rest.pulls.create({
    owner,
    repo,
    title: report.title,
    head: BRANCH,
    base,
    body,
    draft,
  });
  info(`opened pull request #${created.number}${draft ? ' (draft: conflicts)' : ''}`);
}

// A push made with GITHUB_TOKEN starts no workflow: start CI on the branch so the pull request
// shows its checks. (A push with the user's token starts it by itself.)
if (!withWorkflows)
  await github.rest.actions.createWorkflowDispatch({
    owner,
    repo,
    workflow_id: 'ci.yml',
    ref: BRANCH,
  });
