// The setup answers, each declared once: how it is validated, asked in the issue form and by
// `npm run setup`, given as a flag, suggested and documented. The form (form.ts), the issue
// parser, the CLI (scripts/setup.ts), the bootstrap link and the README's table are built from
// `answerTable`; a new answer is one row here (decision 0080).
import { z } from 'zod';
import { type LanguageCode, languageCodes, languageLabel } from './languages.ts';
import type { FeatureManifest } from './manifest.ts';

export const ANSWERS_SCHEMA_VERSION = 1;

// Anything a person typed may end up in source code, JSON, YAML and Markdown, where characters that
// are not printable text change how it is displayed or parsed (Trojan Source: bidirectional
// overrides that reorder code on screen, zero-width and invisible characters). Only printable text
// on one line passes: no Unicode "other" (controls, format characters such as bidi controls and
// zero-width spaces, surrogates, private use, unassigned), no separator but the ordinary space,
// and none of the letters that draw nothing (Hangul fillers).
const NOT_PRINTABLE = /(?! )[\p{C}\p{Z}\u115f\u1160\u3164\uffa0]/u;

// Missing and wrong-type values get a message a person can act on, not zod's type jargon.
const expected = (what: string) => ({
  error: (issue: { input: unknown }) =>
    issue.input === undefined || issue.input === '' ? 'is required' : `must be ${what}`,
});

const line = (max: number) =>
  z
    .string(expected('text'))
    .trim()
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`)
    .refine(
      (value) => !NOT_PRINTABLE.test(value),
      'must be printable text on one line (no control, formatting or invisible characters)',
    );

// RFC 1123 host name: labels of letters, digits and inner hyphens, at most 63 each, 253 in all,
// and at least two labels (a production domain, not "localhost").
const domain = z
  .string(expected('text'))
  .trim()
  .toLowerCase()
  .max(253, 'must be at most 253 characters')
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/,
    'must be a host name like app.example.com (letters, digits, hyphens and dots; no scheme, port or path)',
  );

const languageCode = z.enum(
  languageCodes as [LanguageCode, ...LanguageCode[]],
  'is not one of the offered languages',
);

/** What suggestions and the offered features depend on: where the project is and what it has. */
export interface SetupContext {
  /** The repository's name, or the folder's when there is no GitHub remote. */
  folder: string;
  /** The GitHub owner, when known. */
  owner?: string;
  removable: Pick<FeatureManifest, 'name' | 'label' | 'description'>[];
}

/** One offered value: stored as `value`, shown (and written in issue bodies) as `label`. */
export type Choice = { value: string; label: string; hint?: string };

/** A list of offered values; `noun` names them in errors ("is not one of the offered ..."). */
export type Choices = {
  noun: string;
  /** `answers`, the answers given so far, narrow the offer where they can (the CLI's questions). */
  options(context: Pick<SetupContext, 'removable'>, answers?: PartialAnswers): Choice[];
};

const languageChoices: Choices = {
  noun: 'languages',
  options: () => languageCodes.map((code) => ({ value: code, label: languageLabel(code) })),
};

// Named starting sets of optional features (decision 0117). The features ticked are added to the
// profile's; the saved answers keep only the resulting list. Names a template no longer has are
// skipped, so a profile never asks for a feature that is gone.
export const profiles = {
  minimal: { label: 'Minimal (no optional feature)', features: [] as string[] | 'all' },
  standard: {
    label: 'Standard (sign-in by email link and background jobs)',
    features: ['magic-link', 'jobs'] as string[] | 'all',
  },
  full: { label: 'Full (every optional feature)', features: 'all' as string[] | 'all' },
};
export type Profile = keyof typeof profiles;

/** The features a profile keeps, among those that can be removed. */
export const profileFeatures = (profile: unknown, removable: readonly string[]): string[] => {
  const features = profiles[profile as Profile]?.features ?? [];
  return removable.filter((name) => features === 'all' || features.includes(name));
};

const profileChoices: Choices = {
  noun: 'profiles',
  options: () => Object.entries(profiles).map(([value, { label }]) => ({ value, label })),
};

const featureChoices: Choices = {
  noun: 'features',
  // Asked after a profile, only what it does not already keep.
  options: ({ removable }, answers) => {
    const kept = profileFeatures(
      answers?.profile,
      removable.map((m) => m.name),
    );
    return removable
      .filter((m) => !kept.includes(m.name))
      .map((m) => ({ value: m.name, label: m.label, hint: m.description }));
  },
};

/**
 * How an answer is entered. The form shows `text` as an input, `dropdown` as a dropdown and
 * `checkboxes` as checkboxes; `npm run setup` asks with an input, a checkbox list (multiple) or a
 * single choice, and takes lists as comma-separated flag values.
 */
export type Control =
  | { kind: 'text'; placeholder?: string }
  // `among`: the question offers only the values already given for that answer.
  | { kind: 'dropdown'; choices: Choices; multiple: boolean; among?: string }
  | { kind: 'checkboxes'; choices: Choices };

/** Answers so far: not validated yet (they come from flags, a file or earlier questions). */
export type PartialAnswers = Readonly<Record<string, unknown>>;

export interface AnswerSpec {
  /** This answer alone; rules across answers are in `answersSchema`. Optional if it accepts undefined. */
  schema: z.ZodType;
  /** Names the answer to people: the form's label, error messages, the README. */
  label: string;
  /** The form's description of the field; the README's too. */
  help: string;
  /**
   * The issue form's field id: the contract with the parser, saved issue bodies and the bootstrap
   * link. Never changes (labels may). Absent when the form does not ask.
   */
  formId?: string;
  control: Control;
  /** `npm run setup -- --<flag> <value>`, and the line `--help` shows for it. */
  flag: { name: string; value: string; help: string };
  /** The question `npm run setup` asks; absent when it never asks. */
  prompt?: string;
  /** A value a person would give anyway: the question's default, the bootstrap link's prefill. */
  suggest?: (context: SetupContext, answers: PartialAnswers) => unknown;
  /** Without questions (`--yes`, no terminal), the suggestion is taken instead of an error. */
  assumed?: true;
}

/** Every answer, in the order the form and the CLI ask them. */
const answerTable = {
  name: {
    schema: line(60),
    formId: 'project_name',
    label: 'Project name',
    help: 'Shown in the page title, emails and docs.',
    control: { kind: 'text', placeholder: 'Acme Portal' },
    flag: { name: 'name', value: '<text>', help: 'project name, e.g. "Acme Portal"' },
    prompt: 'Project name',
    suggest: ({ folder }) => titleFromSlug(folder),
  },
  slug: {
    schema: z
      .string(expected('text'))
      .trim()
      .regex(
        /^[a-z][a-z0-9-]{0,38}$/,
        'must start with a letter and use only lowercase letters, digits and hyphens (at most 39 characters)',
      ),
    formId: 'slug',
    label: 'Slug',
    help: 'Lowercase letters, digits and hyphens, starting with a letter (at most 39). Used for the package, database and containers.',
    control: { kind: 'text', placeholder: 'acme-portal' },
    flag: {
      name: 'slug',
      value: '<slug>',
      help: 'lowercase letters, digits, hyphens, e.g. acme-portal',
    },
    prompt: 'Slug (package, database and container name)',
    // Follows the name just given, else the folder's.
    suggest: ({ folder }, answers) =>
      slugify(String(answers.name ?? '')) || slugify(folder) || undefined,
  },
  description: {
    schema: line(200),
    formId: 'description',
    label: 'Description',
    help: 'One sentence about the project.',
    control: { kind: 'text' },
    flag: { name: 'description', value: '<text>', help: 'one sentence' },
    prompt: 'Description (one sentence)',
  },
  organization: {
    schema: line(100),
    formId: 'organization',
    label: 'Organisation or author',
    help: 'Who owns the project.',
    control: { kind: 'text' },
    flag: { name: 'organization', value: '<text>', help: 'organisation or author' },
    prompt: 'Organisation or author',
    suggest: ({ owner }) => owner,
  },
  contactEmail: {
    schema: z
      .string(expected('text'))
      .trim()
      .max(254)
      .pipe(z.email('must be an email address like you@example.com')),
    formId: 'contact_email',
    label: 'Contact email',
    help: 'Where people can reach you.',
    control: { kind: 'text', placeholder: 'you@example.com' },
    flag: { name: 'email', value: '<address>', help: 'contact email' },
    prompt: 'Contact email',
  },
  languages: {
    schema: z
      .array(languageCode, {
        error: (issue) =>
          issue.input === undefined ? 'choose at least one language' : 'must be a list',
      })
      .min(1, 'choose at least one language')
      .refine((list) => new Set(list).size === list.length, 'lists a language twice'),
    formId: 'languages',
    label: 'Languages',
    help: 'Every language the site is offered in. New ones start as copies of the default language.',
    control: { kind: 'dropdown', choices: languageChoices, multiple: true },
    flag: {
      name: 'languages',
      value: '<codes>',
      help: `comma-separated, e.g. en,es (offered: ${languageCodes.join(', ')})`,
    },
    prompt: 'Languages',
    suggest: () => ['en'],
  },
  defaultLanguage: {
    schema: z.string(expected('a language code')).min(1, 'is required').pipe(languageCode),
    formId: 'default_language',
    label: 'Default language',
    help: 'One of the languages above; used when a visitor asks for none of them.',
    control: { kind: 'dropdown', choices: languageChoices, multiple: false, among: 'languages' },
    flag: { name: 'default-language', value: '<code>', help: 'one of --languages' },
    prompt: 'Default language',
    suggest: (_, answers) => (Array.isArray(answers.languages) ? answers.languages[0] : undefined),
    assumed: true,
  },
  profile: {
    // The form sends '' for "None".
    schema: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z
        .enum(Object.keys(profiles) as [Profile, ...Profile[]], 'is not one of the profiles')
        .optional(),
    ),
    formId: 'profile',
    label: 'Profile',
    help: 'A starting set of optional features: minimal (none), standard (sign-in by email link, background jobs) or full (all). The features ticked below are added to it.',
    control: { kind: 'dropdown', choices: profileChoices, multiple: false },
    flag: {
      name: 'profile',
      value: '<name>',
      help: 'minimal, standard or full: a starting set of features (--features adds to it)',
    },
    prompt: 'Profile (a starting set of optional features)',
    suggest: () => 'full',
  },
  features: {
    schema: z
      .array(z.string(), expected('a list of feature names'))
      .refine((list) => new Set(list).size === list.length, 'lists a feature twice'),
    formId: 'features',
    label: 'Optional features',
    help: "Tick what to keep besides the profile's features. Everything else is removed: code, dependencies, services and docs.",
    control: { kind: 'checkboxes', choices: featureChoices },
    flag: {
      name: 'features',
      value: '<names>',
      help: 'optional features to keep, comma-separated ("none" for none)',
    },
    prompt: 'Optional features to keep',
    // Without a profile, every feature; with one, nothing more than it keeps.
    suggest: ({ removable }, answers) => (answers.profile ? [] : removable.map((m) => m.name)),
    assumed: true,
  },
  domain: {
    schema: domain.optional(),
    formId: 'domain',
    label: 'Production domain',
    help: 'The host name the site will live at, without https:// (you can leave it empty for now).',
    control: { kind: 'text', placeholder: 'app.example.com' },
    flag: { name: 'domain', value: '<host>', help: 'production host name, e.g. app.example.com' },
    prompt: 'Production domain (empty if you do not know yet)',
  },
  repository: {
    schema: z
      .string(expected('text'))
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name')
      .optional(),
    label: 'Repository',
    help: 'The GitHub repository, owner/name: links in package.json and the app.',
    control: { kind: 'text', placeholder: 'acme/portal' },
    flag: {
      name: 'repository',
      value: '<owner/name>',
      help: 'the GitHub repository (default: from the git remote)',
    },
    suggest: ({ owner, folder }) => (owner ? `${owner}/${folder}` : undefined),
    assumed: true,
  },
} satisfies Record<string, AnswerSpec>;

type Table = typeof answerTable;
const shape = Object.fromEntries(
  Object.entries(answerTable).map(([key, spec]) => [key, spec.schema]),
) as { [K in keyof Table]: Table[K]['schema'] };

export const answersSchema = z
  .object(shape)
  .strict()
  .superRefine((answers, ctx) => {
    if (!answers.languages.includes(answers.defaultLanguage)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultLanguage'],
        message: 'must be one of the chosen languages',
      });
    }
  });

export type Answers = z.infer<typeof answersSchema>;
export type AnswerKey = keyof Answers;
/** The answers the issue form asks for. */
export type FormAnswerKey = {
  [K in keyof Table]: Table[K] extends { formId: string } ? K : never;
}[keyof Table];

export type AnswerField = AnswerSpec & { key: AnswerKey };

/** The table as a list, in order. */
export const answerFields: readonly AnswerField[] = Object.entries(answerTable).map(
  ([key, spec]) => ({ key: key as AnswerKey, ...spec }),
);

/** Whether an answer may be left out. */
export const isOptional = (field: AnswerField) => field.schema.safeParse(undefined).success;

/** Whether an answer is a list (comma-separated on the command line). */
export const isList = (field: AnswerField) =>
  field.control.kind === 'checkboxes' ||
  (field.control.kind === 'dropdown' && field.control.multiple);

/** The name of an answer in messages to people: its label ("Contact email"), else `field` itself. */
export const answerLabel = (field: string) =>
  answerFields.find((f) => f.key === field)?.label ?? field;

/** An answer that cannot be used, named by `field` (its key). */
export class AnswerError extends Error {
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string) {
    super(`${answerLabel(field)}: ${reason}`);
    this.name = 'AnswerError';
    this.field = field;
    this.reason = reason;
  }
}

/** The answer called `key` (as in `.template/answers.json`, e.g. "contactEmail"). */
export function findAnswer(key: string): AnswerField {
  const field = answerFields.find((f) => f.key === key);
  if (!field) {
    throw new AnswerError(
      key,
      `is not an answer (answers: ${answerFields.map((f) => f.key).join(', ')})`,
    );
  }
  return field;
}

/**
 * The raw value of an answer typed as text, not validated: lists are comma-separated ("none" for
 * an empty list), anything else is the text itself.
 */
export function answerFromText(field: AnswerField, text: string): unknown {
  if (!isList(field)) return text;
  return text.trim() === 'none'
    ? []
    : text
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
}

/**
 * One answer from text (a flag, `--set key=value`), validated with its schema: "es,en" becomes
 * ["es", "en"], " Acme " becomes "Acme". Throws an AnswerError naming the answer. Rules across
 * answers (the default language among the chosen, features that exist) need the whole set:
 * check it with `validateAnswers`.
 */
export function parseAnswerText<K extends AnswerKey>(key: K, text: string): Answers[K];
export function parseAnswerText(key: string, text: string): unknown;
export function parseAnswerText(key: string, text: string): unknown {
  const field = findAnswer(key);
  const result = field.schema.safeParse(answerFromText(field, text));
  if (!result.success)
    throw new AnswerError(field.key, result.error.issues[0]?.message ?? 'is not valid');
  return result.data;
}

export type FieldErrors = Array<{ field: string; message: string }>;

/** Validates answers against the schema and the features that exist; errors are per field. */
export function validateAnswers(input: unknown, removableFeatures: string[]) {
  const result = answersSchema.safeParse(input);
  const errors: FieldErrors = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      errors.push({ field: String(issue.path[0] ?? 'answers'), message: issue.message });
    }
    return { errors };
  }
  const unknown = result.data.features.filter((name) => !removableFeatures.includes(name));
  if (unknown.length > 0) {
    errors.push({ field: 'features', message: `unknown feature(s): ${unknown.join(', ')}` });
    return { errors };
  }
  // A profile is a starting set: the answers keep the features it adds, not its name.
  const { profile, ...given } = result.data;
  const features = [
    ...new Set([...profileFeatures(profile, removableFeatures), ...given.features]),
  ];
  // A stable order makes the saved answers (and so the whole render) deterministic.
  const answers: Answers = {
    ...given,
    languages: [...result.data.languages].sort((a, b) =>
      a === result.data.defaultLanguage
        ? -1
        : b === result.data.defaultLanguage
          ? 1
          : a.localeCompare(b),
    ),
    features: features.sort(),
  };
  return { answers };
}

/** A slug suggestion from any text: "Café Ñandú" -> "cafe-nandu". */
export const slugify = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 39)
    .replace(/-+$/, '');

/** A name suggestion from a repository or folder name: "acme-portal" -> "Acme Portal". */
export const titleFromSlug = (text: string) =>
  text
    .replace(/[-_]+/g, ' ')
    .replace(/\b\w/g, (c) => c.toUpperCase())
    .trim();
