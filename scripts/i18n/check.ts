// `npm run i18n:check` (and a test in `npm test`): every key the code and views use exists, none
// is unused, and every language has the default's keys with the same placeholders and the plural
// forms its own grammar needs (decision 0115).
import { sourceFiles } from '../../codemods/engine.ts';
import { getProperty, projectObject } from '../../codemods/project-file.ts';
import {
  catalog,
  localeDir,
  placeholders,
  pluralBase,
  pluralForm,
  pluralForms,
  readTexts,
} from '../../codemods/translations.ts';
import type { Tree } from '../../codemods/tree.ts';
import { findKeyUses, type KeyUse } from './usage.ts';

export type Problem = { where: string; message: string };

/** The project's languages, default first, as src/project.ts lists them. */
export function projectLanguages(tree: Tree) {
  const project = projectObject(sourceFiles(tree).sourceFile('src/project.ts'));
  const defaultLanguage = getProperty(project, 'defaultLocale') as string;
  const languages = getProperty(project, 'locales') as string[];
  return {
    defaultLanguage,
    languages: [defaultLanguage, ...languages.filter((lang) => lang !== defaultLanguage)],
  };
}

/** A language's texts by entry: a plain key, or a plural group under its base key. */
export type Entry = { forms: string[]; placeholders: Set<string> };

export function entries(texts: Map<string, string>): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const [key, value] of texts) {
    const base = pluralBase(key, texts);
    const entry = out.get(base ?? key) ?? { forms: [], placeholders: new Set<string>() };
    if (base !== undefined) entry.forms.push(pluralForm(key));
    for (const name of placeholders(value)) entry.placeholders.add(name);
    out.set(base ?? key, entry);
  }
  return out;
}

const same = (a: Iterable<string>, b: Iterable<string>) =>
  [...a].sort().join() === [...b].sort().join();
const list = (items: Iterable<string>) => [...items].join(', ') || 'none';

export function checkTranslations(tree: Tree): Problem[] {
  const problems: Problem[] = [];
  const { defaultLanguage, languages } = projectLanguages(tree);
  const texts = new Map(languages.map((lang) => [lang, catalog(tree, lang)]));
  const defaults = entries(texts.get(defaultLanguage) as Map<string, string>);
  const namespaces = new Set(readTexts(tree, defaultLanguage).keys());

  for (const lang of languages) {
    const where = `${localeDir(lang)}/`;
    if (!tree.list(localeDir(lang)).some((p) => p.endsWith('.json'))) {
      problems.push({ where, message: `no locale files: src/project.ts offers ${lang}` });
      continue;
    }
    const own = new Set(readTexts(tree, lang).keys());
    for (const ns of namespaces)
      if (!own.has(ns)) problems.push({ where, message: `${ns}.json is missing` });
    for (const ns of own)
      if (!namespaces.has(ns))
        problems.push({ where, message: `${ns}.json is not in ${localeDir(defaultLanguage)}/` });

    const forms = pluralForms(lang);
    const mine = entries(texts.get(lang) as Map<string, string>);
    for (const [key, entry] of mine) {
      const expected = defaults.get(key);
      if (expected === undefined) {
        problems.push({ where, message: `${key} is not in ${localeDir(defaultLanguage)}/` });
        continue;
      }
      if (entry.forms.length > 0 !== expected.forms.length > 0) {
        problems.push({
          where,
          message: `${key} is ${entry.forms.length > 0 ? '' : 'not '}a plural here but ${expected.forms.length > 0 ? '' : 'not '}in ${defaultLanguage}`,
        });
      } else if (
        entry.forms.length > 0 &&
        !same(
          entry.forms.filter((f) => f !== 'zero'),
          forms,
        )
      ) {
        problems.push({
          where,
          message: `${key} has the plural forms ${list(entry.forms)}; ${lang} needs ${list(forms)} (and may add zero)`,
        });
      }
      if (!same(entry.placeholders, expected.placeholders)) {
        problems.push({
          where,
          message: `${key} has the placeholders ${list(entry.placeholders)}; ${defaultLanguage} has ${list(expected.placeholders)}`,
        });
      }
    }
    for (const key of defaults.keys())
      if (!mine.has(key) && own.has(key.split(':')[0] as string))
        problems.push({ where, message: `${key} is missing` });
  }

  const uses = findKeyUses(tree, namespaces);
  const at = (use: KeyUse) => `${use.file}:${use.line}`;
  for (const use of uses) {
    if ('key' in use && !defaults.has(use.key)) {
      problems.push({
        where: at(use),
        message: `${use.key} is used but not in ${localeDir(defaultLanguage)}/`,
      });
    } else if ('pattern' in use && ![...defaults.keys()].some((key) => use.pattern.test(key))) {
      problems.push({ where: at(use), message: `no key matches ${use.text}` });
    }
  }
  for (const key of defaults.keys()) {
    const used = uses.some((use) => ('key' in use ? use.key === key : use.pattern.test(key)));
    if (!used) {
      problems.push({
        where: `${localeDir(defaultLanguage)}/${key.split(':')[0]}.json`,
        message: `${key} is not used by the code or views (remove it, or write the key out where it is built)`,
      });
    }
  }
  return problems;
}
