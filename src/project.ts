// The project's identity, in one typed file. The setup codemods rewrite this object through the AST,
// so keep it a plain literal: strings, arrays of strings, no computed values.
export const project = {
  name: 'Groundwork',
  slug: 'groundwork',
  description: 'A production-ready TypeScript web app template.',
  organization: 'Groundwork',
  contactEmail: 'hello@example.com',
  repository: 'https://github.com/groundwork-dev/groundwork',
  // The production host name, e.g. 'app.example.com'; empty until the project has one.
  domain: '',
  locales: ['en', 'es'],
  defaultLocale: 'en',
} as const;

export type Project = typeof project;
export type Locale = (typeof project.locales)[number];
