// `npm run setup`: turns a fresh copy of the template into your project, the same way the setup
// issue does on GitHub. Asks the questions (defaults from the folder and git remote), or takes
// them as flags or from a JSON file. See `npm run setup -- --help`. The answers, their flags and
// questions come from the answer table in codemods/answers.ts.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AnswerField,
  type Answers,
  answerFields,
  answerFromText,
  answerLabel,
  type Choice,
  isList,
  isOptional,
  type PartialAnswers,
  type SetupContext,
  validateAnswers,
} from '../codemods/answers.ts';
import type { RenderOptions } from '../codemods/engine.ts';
import { removableFeatures } from '../codemods/features.ts';
import { AlreadyConfiguredError, headCommit, isConfigured, setUp } from '../codemods/setup.ts';
import { Tree } from '../codemods/tree.ts';
import { rootDir } from '../src/core/config/paths.ts';

const OTHER_OPTIONS = {
  answers: {
    type: 'string',
    usage: '<file.json>',
    help: 'read answers from a JSON file (same fields; flags win)',
  },
  'dry-run': { type: 'boolean', help: 'print the changes as a diff; write nothing' },
  yes: { type: 'boolean', help: 'never ask: fail on anything missing' },
  help: { type: 'boolean', help: 'this text' },
} as const;

function helpText() {
  const option = (flag: string, help: string) => `  ${flag.padEnd(25)}  ${help}`;
  return `Usage: npm run setup -- [options]

Sets up this copy of the template as your project: renames it, sets its languages, removes the
optional features you do not keep, and records your answers in .template/.

Options (anything not given is asked; without a terminal, missing answers are an error):
${[
  ...answerFields.map(({ flag }) => option(`--${flag.name} ${flag.value}`, flag.help)),
  ...Object.entries(OTHER_OPTIONS).map(([name, o]) =>
    option(`--${name}${'usage' in o ? ` ${o.usage}` : ''}`, o.help),
  ),
].join('\n')}
`;
}

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

/** The command line: the answers given as flags (raw, not validated yet) and the other options. */
function readCommandLine(args: string[]) {
  const options = {
    ...Object.fromEntries(answerFields.map((f) => [f.flag.name, { type: 'string' as const }])),
    ...Object.fromEntries(
      Object.entries(OTHER_OPTIONS).map(([name, o]) => [name, { type: o.type }]),
    ),
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true }));
  } catch (error) {
    fail(`${(error as Error).message}\n\nRun \`npm run setup -- --help\` for the options.`);
  }
  const given: Record<string, unknown> = {};
  for (const field of answerFields) {
    const text = values[field.flag.name];
    if (typeof text === 'string') given[field.key] = answerFromText(field, text);
  }
  return {
    given,
    answersFile: values.answers as string | undefined,
    dryRun: values['dry-run'] === true,
    yes: values.yes === true,
    help: values.help === true,
  };
}

function readAnswersFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(`Cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Where suggestions come from: the GitHub remote (owner and repository), else the folder. */
function setupContext(root: string): SetupContext {
  const removable = removableFeatures(new Tree(root));
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    const match = url.match(/github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?$/);
    if (match) return { folder: match[2] as string, owner: match[1] as string, removable };
  } catch {
    // No git or no remote: the folder name it is.
  }
  return { folder: basename(root), removable };
}

type Prompts = typeof import('@inquirer/prompts');

/** Asks one answer in the terminal; undefined leaves it out. */
async function ask(
  prompts: Prompts,
  field: AnswerField,
  answers: PartialAnswers,
  context: SetupContext,
): Promise<unknown> {
  const suggestion = field.suggest?.(context, answers);
  if (field.control.kind === 'text') return askText(prompts, field, suggestion);
  const options = offered(field, answers, context);
  return isList(field)
    ? askMany(prompts, field, options, suggestion)
    : askOne(prompts, field, options, suggestion);
}

async function askText(prompts: Prompts, field: AnswerField, suggestion: unknown) {
  const value = await prompts.input({
    message: field.prompt ?? field.label,
    default: typeof suggestion === 'string' ? suggestion : undefined,
    validate: (text) => {
      if (text === '' && isOptional(field)) return true;
      const result = field.schema.safeParse(text);
      return result.success || `${field.label} ${result.error.issues[0]?.message}`;
    },
  });
  return value === '' && isOptional(field) ? undefined : value;
}

// The values offered, narrowed to an earlier answer's (the default language among the chosen).
function offered(field: AnswerField, answers: PartialAnswers, context: SetupContext) {
  const { control } = field;
  if (control.kind === 'text') return [];
  const options = control.choices.options(context, answers);
  if (control.kind !== 'dropdown' || !control.among) return options;
  const among = answers[control.among];
  return (Array.isArray(among) ? among : []).flatMap((value) =>
    options.filter((o) => o.value === value),
  );
}

async function askOne(
  prompts: Prompts,
  field: AnswerField,
  options: Choice[],
  suggestion: unknown,
) {
  // One possible value is no question.
  if (options.length <= 1) return options[0]?.value;
  return prompts.select({
    message: field.prompt ?? field.label,
    choices: options.map((o) => ({ name: o.label, value: o.value })),
    default: typeof suggestion === 'string' ? suggestion : undefined,
  });
}

async function askMany(
  prompts: Prompts,
  field: AnswerField,
  options: Choice[],
  suggestion: unknown,
) {
  if (options.length === 0) return [];
  const suggested = Array.isArray(suggestion) ? suggestion : [];
  return prompts.checkbox({
    message: field.prompt ?? field.label,
    choices: options.map((o) => ({
      name: o.hint ? `${o.label}: ${o.hint}` : o.label,
      value: o.value,
      checked: suggested.includes(o.value),
    })),
    validate: (chosen) => {
      const result = field.schema.safeParse(chosen.map((c) => c.value));
      if (result.success) return true;
      // List messages say what to do ("choose at least one language"): a sentence of their own.
      const reason = result.error.issues[0]?.message ?? 'is not valid';
      return reason.charAt(0).toUpperCase() + reason.slice(1);
    },
  });
}

/**
 * The given answers completed: what is missing is asked (when `interactive`); without questions,
 * what has an obvious default takes it (every feature kept, the first language the default, the
 * repository from the git remote) and the rest stays missing, for validation to report.
 */
async function completeAnswers(
  given: PartialAnswers,
  context: SetupContext,
  interactive: boolean,
): Promise<PartialAnswers> {
  const prompts = interactive ? await import('@inquirer/prompts') : undefined;
  const answers: Record<string, unknown> = { ...given };
  for (const field of answerFields) {
    if (answers[field.key] !== undefined) continue;
    const value =
      prompts && field.prompt
        ? await ask(prompts, field, answers, context)
        : field.assumed
          ? field.suggest?.(context, answers)
          : undefined;
    if (value !== undefined) answers[field.key] = value;
  }
  return answers;
}

function validOrFail(collected: PartialAnswers, context: SetupContext): Answers {
  const result = validateAnswers(
    collected,
    context.removable.map((m) => m.name),
  );
  if (result.answers) return result.answers;
  fail(
    `The answers are not valid:\n${(result.errors ?? [])
      .map((e) => `  - ${answerLabel(e.field)}: ${e.message}`)
      .join('\n')}\n\nRun \`npm run setup -- --help\` for the options.`,
  );
}

const progress = ({
  step,
  of,
  codemod,
  detail,
}: {
  step: number;
  of: number;
  codemod: string;
  detail: string;
}) => console.error(`[${step}/${of}] ${codemod}: ${detail}`);

/** Renders into a scratch copy and prints the difference; `root` is not touched. */
function dryRun(root: string, answers: Answers, options: RenderOptions) {
  const scratch = mkdtempSync(join(tmpdir(), 'setup-dry-run-'));
  try {
    const files = new Tree(root).list();
    for (const side of ['a', 'b']) {
      for (const file of files) cpSync(join(root, file), join(scratch, side, file));
    }
    symlinkSync(join(root, 'node_modules'), join(scratch, 'b', 'node_modules'));
    setUp(join(scratch, 'b'), answers, options, { onProgress: progress });
    rmSync(join(scratch, 'b', 'node_modules'));
    try {
      execFileSync('git', ['diff', '--no-index', '--no-color', '--no-prefix', 'a', 'b'], {
        cwd: scratch,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      console.log('No changes.');
    } catch (error) {
      // git diff --no-index exits 1 when the trees differ; its output is the diff.
      process.stdout.write((error as { stdout: Buffer }).stdout);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function apply(root: string, answers: Answers, options: RenderOptions) {
  const changes = setUp(root, answers, options, { onProgress: progress });
  console.error(
    `\nDone: ${changes.length} files changed. Next:\n` +
      '  npm install        # updates package-lock.json for the removed dependencies\n' +
      '  npm test           # the project passes its own tests\n' +
      '  git add -A && git commit -m "Set up the project"',
  );
}

async function main(root: string, args: string[]) {
  const command = readCommandLine(args);
  if (command.help) {
    console.log(helpText());
    return;
  }
  if (isConfigured(root)) fail(new AlreadyConfiguredError().message, 1);
  const context = setupContext(root);
  // Answers from --answers, then flags on top.
  const given = {
    ...(command.answersFile ? readAnswersFile(command.answersFile) : {}),
    ...command.given,
  };
  const interactive = !command.yes && process.stdin.isTTY === true;
  const answers = validOrFail(await completeAnswers(given, context, interactive), context);
  const options: RenderOptions = {
    templateRepository: JSON.parse(readFileSync(join(root, '.template/template.json'), 'utf8'))
      .repository,
    templateCommit: headCommit(root),
    deleteTemplateWorkflows: true,
  };
  if (command.dryRun) dryRun(root, answers, options);
  else apply(root, answers, options);
}

await main(rootDir, process.argv.slice(2));
