import { z } from 'zod';
import { type LanguageCode, languageCodes } from './languages.ts';

export const ANSWERS_SCHEMA_VERSION = 1;

// Anything a person typed may end up in source code, JSON, YAML and Markdown. Control characters
// (including newlines in one-line fields) are never needed there, so they are refused outright.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

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
    .refine((value) => !CONTROL.test(value), 'must be a single line without control characters');

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

export const answersSchema = z
  .object({
    name: line(60),
    slug: z
      .string(expected('text'))
      .trim()
      .regex(
        /^[a-z][a-z0-9-]{0,38}$/,
        'must start with a letter and use only lowercase letters, digits and hyphens (at most 39 characters)',
      ),
    description: line(200),
    organization: line(100),
    contactEmail: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email('must be an email address like you@example.com')),
    languages: z
      .array(
        z.enum(
          languageCodes as [LanguageCode, ...LanguageCode[]],
          'is not one of the offered languages',
        ),
        {
          error: (issue) =>
            issue.input === undefined ? 'choose at least one language' : 'must be a list',
        },
      )
      .min(1, 'choose at least one language')
      .refine((list) => new Set(list).size === list.length, 'lists a language twice'),
    defaultLanguage: z
      .string(expected('a language code'))
      .min(1, 'is required')
      .pipe(
        z.enum(
          languageCodes as [LanguageCode, ...LanguageCode[]],
          'is not one of the offered languages',
        ),
      ),
    features: z
      .array(z.string(), expected('a list of feature names'))
      .refine((list) => new Set(list).size === list.length, 'lists a feature twice'),
    domain: domain.optional(),
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name')
      .optional(),
  })
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
  // A stable order makes the saved answers (and so the whole render) deterministic.
  const answers: Answers = {
    ...result.data,
    languages: [...result.data.languages].sort((a, b) =>
      a === result.data.defaultLanguage
        ? -1
        : b === result.data.defaultLanguage
          ? 1
          : a.localeCompare(b),
    ),
    features: [...result.data.features].sort(),
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
