// Setup workflow, second step (read-only): applies the validated answers to the checkout with the
// codemods, and writes the summary the write job will comment. The workflow then refreshes the
// lockfile, runs the configured project's tests and turns the result into a patch.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateAnswers } from '../../codemods/answers.ts';
import { removableFeatures } from '../../codemods/features.ts';
import { setUp } from '../../codemods/setup.ts';
import { TEMPLATE_WORKFLOWS } from '../../codemods/state.ts';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { type Api, api, info, repository, setupDir, warning } from './github.ts';

const dir = setupDir();
const removable = removableFeatures(new Tree(rootDir));
// Validated again: the file crossed a step boundary.
const { answers, errors } = validateAnswers(
  JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8')),
  removable.map((m) => m.name),
);
if (!answers) throw new Error(`answers.json is not valid: ${JSON.stringify(errors)}`);

// "Use this template" copies the files into a fresh history, so the exact template commit is the
// template commit whose tree equals this repository's first commit.
async function templateCommit(github: Api): Promise<{ repository: string; commit: string }> {
  const fallback = JSON.parse(readFileSync(join(rootDir, '.template/template.json'), 'utf8'))
    .repository as string;
  const { owner, repo } = repository();
  try {
    const { data } = await github.rest.repos.get({ owner, repo });
    const template = data.template_repository?.full_name ?? fallback;
    const root = execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: rootDir })
      .toString()
      .trim()
      .split('\n')[0];
    const tree = execFileSync('git', ['rev-parse', `${root}^{tree}`], { cwd: rootDir })
      .toString()
      .trim();
    const [templateOwner, templateRepo] = template.split('/') as [string, string];
    for (let page = 1; page <= 5; page++) {
      const { data: commits } = await github.rest.repos.listCommits({
        owner: templateOwner,
        repo: templateRepo,
        per_page: 100,
        page,
      });
      const match = commits.find((c) => c.commit.tree.sha === tree);
      if (match) return { repository: template, commit: match.sha };
      if (commits.length < 100) break;
    }
    warning(
      `No commit of ${template} has this repository's initial tree; the template commit is recorded as unknown.`,
    );
    return { repository: template, commit: 'unknown' };
  } catch (error) {
    warning(`Could not look up the template commit: ${(error as Error).message}`);
    return { repository: fallback, commit: 'unknown' };
  }
}

const template = await templateCommit(api());
const changes = setUp(
  rootDir,
  answers,
  {
    templateRepository: template.repository,
    templateCommit: template.commit,
    deleteTemplateWorkflows: false,
  },
  { onProgress: ({ step, of, codemod, detail }) => info(`[${step}/${of}] ${codemod}: ${detail}`) },
);

const removed = removable.filter((m) => !answers.features.includes(m.name)).map((m) => m.label);
writeFileSync(
  join(dir, 'summary.md'),
  [
    `The project is set up as **${answers.name}** (\`${answers.slug}\`) from ${template.repository}@${template.commit.slice(0, 12)}.`,
    '',
    `- Languages: ${answers.languages.join(', ')} (default ${answers.defaultLanguage})`,
    `- Features removed: ${removed.length > 0 ? removed.join('; ') : 'none'}`,
    `- Production domain: ${answers.domain ?? 'not set yet'}`,
    `- Files changed: ${changes.length}; the configured project passed its tests before this commit.`,
    '',
    `The setup workflows (${TEMPLATE_WORKFLOWS.map((p) => `\`${p}\``).join(', ')}) do nothing from now on;`,
    'delete them when you like (the workflow token may not change workflow files, so they were left in place).',
    '',
  ].join('\n'),
);
info(`Set up: ${changes.length} files changed.`);
