// Template update workflow, read-only job: works out the update (the engine in codemods/update/)
// on the checkout of the default branch, applies it (lockfile refreshed), and leaves two patches
// and a report for the write job: update.patch (everything but workflow files), workflows.patch
// (.github/workflows/, which only a token with the workflows permission may push), report.json.
// Sets the output `changed`. Never writes to the repository or the API.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isConfigured } from '../../codemods/setup.ts';
import { updateReport, updateTitle } from '../../codemods/update/report.ts';
import { applyUpdate, planUpdate, WORKFLOWS_DIR } from '../../codemods/update/update.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { info, readEvent, setOutput, templateUpdateDir } from './github.ts';

// workflow_dispatch inputs; a schedule event has none. Checked here: they reach git and npm only
// as arguments, never a shell, but a person typed them.
const eventSchema = z.object({
  inputs: z
    .object({
      to: z
        .string()
        .regex(/^[\w./-]{0,100}$/, 'to: a tag, branch or commit (letters, digits, . / _ -)')
        .optional(),
      set: z.string().max(2_000).optional(),
    })
    .nullish(),
});

function stop(reason: string): never {
  info(reason);
  setOutput('changed', 'false');
  process.exit(0);
}

if (!isConfigured(rootDir)) stop('This is the template itself, not a project made from it.');
const inputs = readEvent(eventSchema).inputs ?? {};
const set = (inputs.set ?? '').split(/\s+/).filter(Boolean);
const dir = templateUpdateDir();

const plan = planUpdate({ root: rootDir, to: inputs.to || undefined, set, progress: info });
if (plan.upToDate)
  stop(`Nothing to do: the project is at ${plan.to.tag ?? plan.to.version} with these answers.`);
applyUpdate(rootDir, plan, { progress: info });

const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: rootDir,
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
git('add', '-A');
writeFileSync(
  join(dir, 'update.patch'),
  git('diff', '--cached', '--binary', '--', '.', `:(exclude)${WORKFLOWS_DIR}`),
);
writeFileSync(
  join(dir, 'workflows.patch'),
  git('diff', '--cached', '--binary', '--', WORKFLOWS_DIR),
);
writeFileSync(
  join(dir, 'report.json'),
  `${JSON.stringify(
    {
      title: updateTitle(plan, set),
      body: updateReport(plan),
      conflicts: plan.conflicts.length,
      workflowChanges: plan.workflowChanges,
      to: plan.to,
    },
    null,
    2,
  )}\n`,
);
setOutput('changed', 'true');
info(
  `${updateTitle(plan, set)}: ${plan.changed.length} files, ${plan.conflicts.length} conflicts.`,
);
