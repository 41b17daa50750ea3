// `npm run setup`: turns a fresh copy of the template into your project, the same way the setup
// issue does on GitHub. Asks the questions (defaults from the folder and git remote), or takes
// them as flags or from a JSON file. See `npm run setup -- --help`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Answers,
  answersSchema,
  slugify,
  titleFromSlug,
  validateAnswers,
} from '../codemods/answers.ts';
import { removableFeatures } from '../codemods/features.ts';
import { fieldNames } from '../codemods/form.ts';
import { type LanguageCode, languageCodes, languageLabel } from '../codemods/languages.ts';
import { AlreadyConfiguredError, headCommit, isConfigured, setUp } from '../codemods/setup.ts';
import { Tree } from '../codemods/tree.ts';
import { rootDir } from '../src/core/config/paths.ts';

const HELP = `Usage: npm run setup -- [options]

Sets up this copy of the template as your project: renames it, sets its languages, removes the
optional features you do not keep, and records your answers in .template/.

Options (anything not given is asked; without a terminal, missing answers are an error):
  --name <text>              project name, e.g. "Acme Portal"
  --slug <slug>              lowercase letters, digits, hyphens, e.g. acme-portal
  --description <text>       one sentence
  --organization <text>      organisation or author
  --email <address>          contact email
  --languages <codes>        comma-separated, e.g. en,es (offered: ${languageCodes.join(', ')})
  --default-language <code>  one of --languages
  --features <names>         optional features to keep, comma-separated ("none" for none)
  --domain <host>            production host name, e.g. app.example.com
  --repository <owner/name>  the GitHub repository (default: from the git remote)
  --answers <file.json>      read answers from a JSON file (same fields; flags win)
  --dry-run                  print the changes as a diff; write nothing
  --yes                      never ask: fail on anything missing
  --help                     this text
`;

const { values: flags } = parseArgs({
  options: {
    name: { type: 'string' },
    slug: { type: 'string' },
    description: { type: 'string' },
    organization: { type: 'string' },
    email: { type: 'string' },
    languages: { type: 'string' },
    'default-language': { type: 'string' },
    features: { type: 'string' },
    domain: { type: 'string' },
    repository: { type: 'string' },
    answers: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
if (isConfigured(rootDir)) fail(new AlreadyConfiguredError().message, 1);

const removable = removableFeatures(new Tree(rootDir));
const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value === 'none'
      ? []
      : value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean);

// Answers from --answers, then flags on top.
const given: Record<string, unknown> = {};
if (flags.answers) {
  try {
    Object.assign(given, JSON.parse(readFileSync(flags.answers, 'utf8')));
  } catch (error) {
    fail(`Cannot read ${flags.answers}: ${(error as Error).message}`);
  }
}
const fromFlags = {
  name: flags.name,
  slug: flags.slug,
  description: flags.description,
  organization: flags.organization,
  contactEmail: flags.email,
  languages: list(flags.languages),
  defaultLanguage: flags['default-language'],
  features: list(flags.features),
  domain: flags.domain,
  repository: flags.repository,
};
for (const [key, value] of Object.entries(fromFlags)) if (value !== undefined) given[key] = value;

// Defaults a person would type anyway: the folder name and the GitHub remote.
function gitRemote(): { owner: string; repo: string } | undefined {
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], {
      cwd: rootDir,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    const match = url.match(/github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?$/);
    return match ? { owner: match[1] as string, repo: match[2] as string } : undefined;
  } catch {
    return undefined;
  }
}
const remote = gitRemote();
const folder = remote?.repo ?? basename(rootDir);
const defaultSlug = slugify(folder);
const defaults: Partial<Answers> = {
  name: titleFromSlug(folder),
  slug: defaultSlug || undefined,
  organization: remote?.owner,
  languages: ['en'],
  defaultLanguage: 'en',
  features: removable.map((m) => m.name),
  ...(remote ? { repository: `${remote.owner}/${remote.repo}` } : {}),
};

async function ask(): Promise<Record<string, unknown>> {
  const { input, checkbox, select } = await import('@inquirer/prompts');
  const shape = answersSchema.shape;
  const check = (key: keyof typeof shape) => (value: string) => {
    const result = shape[key].safeParse(value);
    return result.success || `${fieldNames[key as string]} ${result.error.issues[0]?.message}`;
  };
  const answers = { ...given };
  const text = async (
    key: 'name' | 'slug' | 'description' | 'organization' | 'contactEmail',
    message: string,
  ) => {
    if (answers[key] === undefined) {
      answers[key] = await input({
        message,
        default: defaults[key] as string | undefined,
        validate: check(key),
      });
    }
  };
  await text('name', 'Project name');
  // The slug follows the name just given, unless the folder already had a usable one.
  defaults.slug = slugify(String(answers.name)) || defaults.slug;
  await text('slug', 'Slug (package, database and container name)');
  await text('description', 'Description (one sentence)');
  await text('organization', 'Organisation or author');
  await text('contactEmail', 'Contact email');
  if (answers.languages === undefined) {
    answers.languages = await checkbox({
      message: 'Languages',
      choices: languageCodes.map((code) => ({
        name: languageLabel(code),
        value: code,
        checked: code === 'en',
      })),
      validate: (chosen) => chosen.length > 0 || 'Choose at least one language',
    });
  }
  const chosen = answers.languages as LanguageCode[];
  if (answers.defaultLanguage === undefined) {
    answers.defaultLanguage =
      chosen.length === 1
        ? chosen[0]
        : await select({
            message: 'Default language',
            choices: chosen.map((code) => ({ name: languageLabel(code), value: code })),
          });
  }
  if (answers.features === undefined && removable.length === 0) answers.features = [];
  if (answers.features === undefined) {
    answers.features = await checkbox({
      message: 'Optional features to keep',
      choices: removable.map((m) => ({
        name: `${m.label}: ${m.description}`,
        value: m.name,
        checked: true,
      })),
    });
  }
  if (answers.domain === undefined) {
    const domain = await input({
      message: 'Production domain (empty if you do not know yet)',
      default: '',
    });
    if (domain) answers.domain = domain;
  }
  return answers;
}

const interactive = !flags.yes && process.stdin.isTTY;
// Without questions, what has an obvious default takes it: every feature is kept, the default
// language is the first one listed, the repository comes from the git remote.
const collected = interactive
  ? await ask()
  : {
      features: defaults.features,
      repository: defaults.repository,
      ...given,
      defaultLanguage:
        given.defaultLanguage ?? (Array.isArray(given.languages) ? given.languages[0] : undefined),
    };
const result = validateAnswers(
  collected,
  removable.map((m) => m.name),
);
if (!result.answers) {
  fail(
    `The answers are not valid:\n${(result.errors ?? [])
      .map((e) => `  - ${fieldNames[e.field] ?? e.field}: ${e.message}`)
      .join('\n')}\n\nRun \`npm run setup -- --help\` for the options.`,
  );
}
const answers = result.answers;

const options = {
  templateRepository: JSON.parse(readFileSync(join(rootDir, '.template/template.json'), 'utf8'))
    .repository,
  templateCommit: headCommit(rootDir),
  deleteTemplateWorkflows: true,
};
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

if (flags['dry-run']) {
  // Render into a scratch copy and show the difference; this folder is not touched.
  const scratch = mkdtempSync(join(tmpdir(), 'setup-dry-run-'));
  try {
    const files = new Tree(rootDir).list();
    for (const side of ['a', 'b']) {
      for (const file of files) cpSync(join(rootDir, file), join(scratch, side, file));
    }
    symlinkSync(join(rootDir, 'node_modules'), join(scratch, 'b', 'node_modules'));
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
} else {
  const changes = setUp(rootDir, answers, options, { onProgress: progress });
  console.error(
    `\nDone: ${changes.length} files changed. Next:\n` +
      '  npm install        # updates package-lock.json for the removed dependencies\n' +
      '  npm test           # the project passes its own tests\n' +
      '  git add -A && git commit -m "Set up the project"',
  );
}
