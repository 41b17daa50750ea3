// Setup workflow, write job: applies the patch the read-only job produced and tested, commits it as
// the Actions bot, pushes, starts CI (a push made with GITHUB_TOKEN starts no workflow), comments the
// summary and closes the issue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  api,
  asBot,
  git as gitArgs,
  info,
  issueEventSchema,
  markers,
  readEvent,
  repository,
  setupDir,
  tokenEnv,
  upsertComment,
} from './github.ts';

const event = readEvent(issueEventSchema);
const dir = setupDir();
const { owner, repo } = repository();
const github = api();
const git = (...args: string[]) => gitArgs(args);

const answers = JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8'));
const branch = event.repository.default_branch;

try {
  git('apply', '--index', '--binary', join(dir, 'setup.patch'));
  git(
    ...asBot,
    'commit',
    '-q',
    '-m',
    `Set up ${answers.name}\n\nFrom the answers in #${event.issue.number}.`,
  );
  // The token goes in a header for this one command, never into the remote URL or git config.
  const remote = git('remote', 'get-url', 'origin');
  gitArgs(
    ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`],
    tokenEnv(remote, process.env.GITHUB_TOKEN),
  );
} catch (error) {
  const detail =
    (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
  await upsertComment(
    github,
    event.issue.number,
    markers.errors,
    `The setup was tested but could not be committed (did someone push in the meantime?). Edit this issue to run it again.\n\n\`\`\`\n${detail.slice(0, 2_000)}\n\`\`\``,
  );
  throw error;
}
const commit = git('rev-parse', 'HEAD');
info(`pushed ${commit} to ${branch}`);

await github.rest.actions.createWorkflowDispatch({
  owner,
  repo,
  workflow_id: 'ci.yml',
  ref: branch,
});
await upsertComment(
  github,
  event.issue.number,
  markers.summary,
  `${readFileSync(join(dir, 'summary.md'), 'utf8')}\nCommit: ${commit}. CI has been started.`,
);
await github.rest.issues.update({
  owner,
  repo,
  issue_number: event.issue.number,
  state: 'closed',
  state_reason: 'completed',
});
info(`closed #${event.issue.number}`);
