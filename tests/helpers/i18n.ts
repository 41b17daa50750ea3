import { createI18n } from '../../src/core/i18n/i18n.ts';
import { type Locale, project } from '../../src/project.ts';

// Expected texts come from the locale files and src/project.ts, never from literals, so the
// tests keep passing in a project set up with another name or other languages.
const i18n = createI18n();

export const defaultLocale: Locale = project.defaultLocale;
/** A language other than the default, when the project has one. */
export const otherLocale = project.locales.find((lang) => lang !== project.defaultLocale) as
  | Locale
  | undefined;
/** Skips a test that needs two languages in a project that has one. */
export const needsTwoLanguages = otherLocale === undefined ? 'the project has one language' : false;

export const tr = (lang: Locale, key: string, options: Record<string, unknown> = {}) =>
  i18n.getFixedT(lang)(key, options) as string;

export const homeTitle = (lang: Locale) => tr(lang, 'home:title', { name: project.name });

/** What the HTML of a text looks like (Pug escapes &, <, >, ' and ").*/
export const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
