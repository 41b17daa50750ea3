import { type LanguageCode, languages } from '../../codemods/languages.ts';
import { catalog, readNote } from '../../codemods/translations.ts';
import type { Tree } from '../../codemods/tree.ts';
import { projectLanguages } from './check.ts';

/** Per language: its texts, and how many are not listed in its NEEDS_TRANSLATION.md. */
export function translationStatus(tree: Tree) {
  const { defaultLanguage, languages: codes } = projectLanguages(tree);
  return codes.map((lang) => {
    const keys = [...catalog(tree, lang).keys()];
    const pending = readNote(tree, lang);
    return {
      lang,
      name: languages[lang as LanguageCode] ?? lang,
      isDefault: lang === defaultLanguage,
      total: keys.length,
      translated: keys.filter((key) => !pending.has(key)).length,
    };
  });
}
