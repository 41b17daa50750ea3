// The languages the setup form offers, by code, with the name people know their language by.
// The template ships translations for "en" and "es"; any other chosen language starts as a copy of
// the default language, marked as needing translation.
export const languages = {
  en: 'English',
  es: 'Español',
  fr: 'Français',
  de: 'Deutsch',
  it: 'Italiano',
  pt: 'Português',
  nl: 'Nederlands',
  pl: 'Polski',
  sv: 'Svenska',
  tr: 'Türkçe',
  uk: 'Українська',
  ja: '日本語',
  ko: '한국어',
  zh: '中文',
} as const;

export type LanguageCode = keyof typeof languages;

export const languageCodes = Object.keys(languages) as LanguageCode[];

/** The label a language has in the setup form: "Español (es)". No commas: see the form. */
export const languageLabel = (code: LanguageCode) => `${languages[code]} (${code})`;
