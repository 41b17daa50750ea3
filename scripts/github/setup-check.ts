// Setup workflow, first step (read-only): is this a setup issue we should act on, are its author and
// whoever triggered this run (the event's sender: on `edited`, the editor) administrators or
// maintainers (asked of the API: author_association is not reliable), and are the
// answers valid? Writes answers.json or errors.md to $SETUP_DIR and sets the outputs
// `allowed` and `valid`. Never writes to the repository or the issue.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerLabel } from '../../codemods/answers.ts';
import { removableFeatures } from '../../codemods/features.ts';
import { parseSetupIssue, SETUP_FORM_PATH, SETUP_LABEL } from '../../codemods/form.ts';
import { isConfigured } from '../../codemods/setup.ts';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import {
  api,
  hasStatus,
  info,
  issueEventSchema,
  oneLine,
  readEvent,
  repository,
  setOutput,
  setupDir,
} from './github.ts';

const ALLOWED_ROLES = ['admin', 'maintain'];

const event = readEvent(issueEventSchema);
const dir = setupDir();

function stop(reason: string): never {
  info(reason);
  setOutput('allowed', 'false');
  setOutput('valid', 'false');
  process.exit(0);
}

if (event.repository.is_template)
  stop('This is the template itself: setup runs in repositories made from it.');
if (!['opened', 'edited'].includes(event.action)) stop(`Nothing to do for "${event.action}".`);
if (event.issue.state !== 'open') stop('The issue is closed.');
if (!event.issue.labels.some((l) => l.name === SETUP_LABEL))
  stop(`The issue has no "${SETUP_LABEL}" label.`);
if (isConfigured(rootDir)) stop('The project is already set up.');

const { owner, repo } = repository();
async function roleOf(username: string) {
  try {
    const { data } = await api().rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username,
    });
    return data.role_name ?? data.permission;
  } catch (error) {
    if (!hasStatus(error, 404)) throw error;
    return 'none';
  }
}
// The answers are the author's and the run is the sender's: both must hold the rights, or a
// collaborator with write access could edit an administrator's issue and run setup as them.
for (const [who, login] of [
  ['author', event.issue.user.login],
  ['sender', event.sender.login],
] as const) {
  const role = await roleOf(login);
  if (!ALLOWED_ROLES.includes(role)) {
    stop(
      `The issue's ${who} is "${role}" here; only administrators and maintainers can set up the project. Nothing done.`,
    );
  }
}
setOutput('allowed', 'true');

const tree = new Tree(rootDir);
const result = parseSetupIssue(
  event.issue.body ?? '',
  readFileSync(join(rootDir, SETUP_FORM_PATH), 'utf8'),
  removableFeatures(tree),
);
if (result.answers) {
  writeFileSync(join(dir, 'answers.json'), `${JSON.stringify(result.answers, null, 2)}\n`);
  setOutput('valid', 'true');
  info(`Answers are valid: ${oneLine(result.answers.name)} (${result.answers.slug}).`);
} else {
  const lines = result.errors.map((e) => `- **${answerLabel(e.field)}**: ${e.message}`);
  writeFileSync(
    join(dir, 'errors.md'),
    [
      'The setup did not run: some answers need fixing. Edit this issue (the form text) and save; the setup',
      'checks the answers again.',
      '',
      ...lines,
      '',
    ].join('\n'),
  );
  setOutput('valid', 'false');
  info(`Answers are not valid:\n${lines.map(oneLine).join('\n')}`);
}
