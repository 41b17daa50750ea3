import type { Codemod } from './engine.ts';
import { type LanguageCode, languages } from './languages.ts';
import { getProperty, projectObject, setProperty } from './project-file.ts';
import {
  flatten,
  readNote,
  readTexts,
  type Texts,
  withPluralsOf,
  writeNote,
  writeTexts,
} from './translations.ts';
import type { Tree } from './tree.ts';

// Sets the project's languages: removes unchosen locale folders, adds chosen ones as copies of
// the default language (marked as needing translation), and lists them in src/project.ts and in
// each language's switcher labels. `npm run i18n:add-language` adds one the same way.
export const locales: Codemod = {
  name: 'languages',
  describe: (answers) => `${answers.languages.join(', ')} (default ${answers.defaultLanguage})`,
  run({ tree, answers, sourceFile }) {
    const project = projectObject(sourceFile('src/project.ts'));
    const existing = new Set(tree.list('locales').map((path) => path.split('/')[1] as string));
    // Copy from the chosen default when the template has it, otherwise from the template's own.
    const templateDefault = getProperty(project, 'defaultLocale') as string;
    const source = existing.has(answers.defaultLanguage)
      ? answers.defaultLanguage
      : templateDefault;

    for (const code of answers.languages) if (code !== source) copyLanguage(tree, source, code);
    for (const code of existing) {
      if (!(answers.languages as string[]).includes(code)) tree.delete(`locales/${code}`);
    }
    setLanguageNames(tree, answers.languages);
    setProperty(project, 'locales', answers.languages);
    setProperty(project, 'defaultLocale', answers.defaultLanguage);
  },
};

/**
 * Gives `code` every file `source` has and it lacks, as a copy with the plural forms `code` needs,
 * and lists the copied texts in its NEEDS_TRANSLATION.md. Texts it has are never touched.
 */
export function copyLanguage(tree: Tree, source: string, code: LanguageCode) {
  const own = readTexts(tree, code);
  const note = readNote(tree, code);
  let copied = false;
  for (const [ns, texts] of readTexts(tree, source)) {
    if (own.has(ns)) continue;
    const copy: Texts = withPluralsOf(texts, code);
    writeTexts(tree, code, ns, copy);
    for (const key of flatten(copy).keys()) note.add(`${ns}:${key}`);
    copied = true;
  }
  if (copied) writeNote(tree, code, note, { name: languageName(code), source });
}

export const languageName = (code: LanguageCode) => `${languages[code]} (${code})`;

// The language switcher shows each language by its own name, the same in every language.
export function setLanguageNames(tree: Tree, codes: readonly LanguageCode[]) {
  const names = Object.fromEntries(codes.map((code) => [code, languages[code]]));
  for (const code of codes) {
    const common = readTexts(tree, code).get('common') ?? {};
    common.languages = names;
    writeTexts(tree, code, 'common', common);
  }
}
