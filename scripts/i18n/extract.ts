import type { LanguageCode } from '../../codemods/languages.ts';
import { languageName } from '../../codemods/locales.ts';
import { format } from '../../codemods/setup.ts';
import {
  addText,
  catalog,
  pluralBase,
  pluralForms,
  readNote,
  readTexts,
  type Texts,
  writeNote,
  writeTexts,
} from '../../codemods/translations.ts';
import { Tree } from '../../codemods/tree.ts';
import { projectLanguages } from './check.ts';
import { findKeyUses } from './usage.ts';

/**
 * Adds to the default language every key the code and views name that it lacks (its value the key
 * itself), and to every other language each key of the default it lacks (a copy, with its own
 * plural forms); each added text is listed in that language's NEEDS_TRANSLATION.md. Texts that
 * exist are never changed. Returns what was added, and keys that could not be (a text is in the
 * way: `a.b` is a text and `a.b.c` is used).
 */
export function extractKeys(root: string) {
  const tree = new Tree(root);
  const { defaultLanguage, languages: codes } = projectLanguages(tree);
  const added: string[] = [];
  const conflicts: string[] = [];
  const existing = catalog(tree, defaultLanguage);
  const namespaces = new Set(readTexts(tree, defaultLanguage).keys());
  const used = new Set<string>();
  for (const use of findKeyUses(tree, namespaces)) {
    if (!('key' in use)) continue;
    const plural = [...existing.keys()].some((key) => pluralBase(key, existing) === use.key);
    if (!existing.has(use.key) && !plural) used.add(use.key);
  }
  const addAll = (lang: string, wanted: Map<string, string>) => {
    const files = readTexts(tree, lang);
    const note = readNote(tree, lang);
    const changed = new Set<string>();
    for (const [key, value] of wanted) {
      const [ns, path] = key.split(':') as [string, string];
      const texts = files.get(ns) ?? {};
      files.set(ns, texts);
      if (!addText(texts, path, value)) {
        conflicts.push(`${lang}: ${key} cannot be added: another text is in its place`);
        continue;
      }
      note.add(key);
      changed.add(ns);
      added.push(`${lang}: + ${key}`);
    }
    for (const ns of changed) writeTexts(tree, lang, ns, files.get(ns) as Texts);
    if (changed.size > 0)
      writeNote(tree, lang, note, {
        name: languageName(lang as LanguageCode),
        source: defaultLanguage,
      });
  };

  addAll(
    defaultLanguage,
    new Map([...used].sort().map((key) => [key, key.split(':')[1] as string])),
  );
  const source = catalog(tree, defaultLanguage);
  for (const lang of codes.filter((code) => code !== defaultLanguage)) {
    const own = catalog(tree, lang);
    const forms = pluralForms(lang);
    const wanted = new Map<string, string>();
    for (const [key, value] of source) {
      const base = pluralBase(key, source);
      if (base === undefined) {
        if (!own.has(key)) wanted.set(key, value);
        continue;
      }
      // A plural group: the forms this language needs, each from the same form or `_other`.
      if (!key.endsWith('_other')) continue;
      for (const form of forms)
        if (!own.has(`${base}_${form}`))
          wanted.set(`${base}_${form}`, source.get(`${base}_${form}`) ?? value);
    }
    addAll(lang, wanted);
  }
  const changes = tree.commit();
  format(
    root,
    changes.filter((c) => c.type === 'write').map((c) => c.path),
  );
  return { added, conflicts };
}
