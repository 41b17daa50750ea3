// Locale files as data: their keys, plural forms, placeholders, and the NEEDS_TRANSLATION.md note
// that lists which texts of a language are still copies. Shared by the setup codemods and the
// i18n commands (scripts/i18n.ts), so a language added either way looks the same (decision 0115).
import type { Tree } from './tree.ts';

export type Texts = { [key: string]: string | Texts };

/** The folder of a language's texts. */
export const localeDir = (lang: string) => `locales/${lang}`;

/** A language's locale files by namespace (`common` for locales/<lang>/common.json). */
export function readTexts(tree: Tree, lang: string): Map<string, Texts> {
  const files = new Map<string, Texts>();
  for (const path of tree
    .list(localeDir(lang))
    .filter((p) => /^locales\/[^/]+\/[^/]+\.json$/.test(p))) {
    const ns = path.slice(localeDir(lang).length + 1, -'.json'.length);
    try {
      files.set(ns, JSON.parse(tree.require(path)));
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return files;
}

export const writeTexts = (tree: Tree, lang: string, ns: string, texts: Texts) =>
  tree.write(`${localeDir(lang)}/${ns}.json`, `${JSON.stringify(texts, null, 2)}\n`);

/** Every text of a file as `path.to.key` -> value, in file order. */
export function flatten(texts: Texts, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(texts)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

/** Every text of a language as `namespace:path.to.key` -> value. */
export function catalog(tree: Tree, lang: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ns, texts] of readTexts(tree, lang))
    for (const [key, value] of flatten(texts)) out.set(`${ns}:${key}`, value);
  return out;
}

/** Sets one text (`path.to.key`) unless a text is already there; false when a text is in the way. */
export function addText(texts: Texts, path: string, value: string): boolean {
  const parts = path.split('.');
  let node = texts;
  for (const part of parts.slice(0, -1)) {
    const next = node[part] ?? {};
    if (typeof next === 'string') return false;
    node[part] = next;
    node = next;
  }
  const last = parts.at(-1) as string;
  if (last in node) return typeof node[last] === 'string';
  node[last] = value;
  return true;
}

// i18next's plural suffixes (JSON v4): the forms Intl.PluralRules names. `_zero` is read for a
// count of 0 in any language, so a language may keep it even when its rules have no zero form.
const PLURAL = /^(.+)_(zero|one|two|few|many|other)$/;

/** The plural forms a language's texts must have: its CLDR categories, as i18next reads them. */
export const pluralForms = (lang: string) =>
  new Intl.PluralRules(lang).resolvedOptions().pluralCategories as string[];

/** `status.seconds` for `status.seconds_one` when the texts have `status.seconds_other`. */
export function pluralBase(key: string, keys: { has(key: string): boolean }): string | undefined {
  const match = PLURAL.exec(key);
  return match && keys.has(`${match[1]}_other`) ? match[1] : undefined;
}

/** The form of a plural key (`one` for `status.seconds_one`). */
export const pluralForm = (key: string) => PLURAL.exec(key)?.[2] as string;

/**
 * A file's texts for another language: the same keys, with each plural group given the forms
 * `lang` needs (a missing form starts as the `_other` text), in the place of the group.
 */
export function withPluralsOf(texts: Texts, lang: string): Texts {
  const forms = pluralForms(lang);
  const out: Texts = {};
  for (const [key, value] of Object.entries(texts)) {
    const base = pluralBase(key, { has: (k) => k in texts });
    if (base === undefined) {
      out[key] = typeof value === 'string' ? value : withPluralsOf(value, lang);
    } else if (pluralForm(key) === 'other') {
      const keep = [...(`${base}_zero` in texts ? ['zero'] : []), ...forms];
      for (const form of keep) out[`${base}_${form}`] = texts[`${base}_${form}`] ?? value;
    }
  }
  return out;
}

/** The names of the placeholders of a text: `{{count}}`, `{{- name}}`, `{{value, number}}`. */
export const placeholders = (text: string) =>
  [...text.matchAll(/\{\{-?\s*([\w.]+)/g)].map((m) => m[1] as string).sort();

// NEEDS_TRANSLATION.md: the texts of a language that are still copies, by file, one key a line.
// People delete lines as they translate (and the file when it lists none); the i18n commands read
// it to count what is left and add to it, never rewriting a translated text.
const NOTE = 'NEEDS_TRANSLATION.md';

export const notePath = (lang: string) => `${localeDir(lang)}/${NOTE}`;

/** The keys (`namespace:path`) a language's note lists. */
export function readNote(tree: Tree, lang: string): Set<string> {
  const keys = new Set<string>();
  let ns: string | undefined;
  for (const line of (tree.read(notePath(lang)) ?? '').split('\n')) {
    const file = /^## `?([^`\s]+)\.json`?/.exec(line);
    if (file) ns = file[1];
    const key = /^- `([^`]+)`/.exec(line);
    if (key && ns) keys.add(`${ns}:${key[1]}`);
  }
  return keys;
}

/**
 * Writes a language's note with `keys` (those that still exist, in file order), or deletes it
 * when none is left. `name` heads it ("Français (fr)"), `source` says what the copies came from.
 */
export function writeNote(
  tree: Tree,
  lang: string,
  keys: Set<string>,
  { name, source }: { name: string; source: string },
) {
  const sections: string[] = [];
  for (const [ns, texts] of [...readTexts(tree, lang)].sort(([a], [b]) => a.localeCompare(b))) {
    const listed = [...flatten(texts).keys()].filter((key) => keys.has(`${ns}:${key}`));
    if (listed.length > 0)
      sections.push(`## ${ns}.json\n\n${listed.map((key) => `- \`${key}\``).join('\n')}\n`);
  }
  if (sections.length === 0) {
    tree.delete(notePath(lang));
    return;
  }
  tree.write(
    notePath(lang),
    `# ${name} needs translating\n\n` +
      `The texts below are still copies of \`${localeDir(source)}/\` (or, for a new key, the key itself).\n` +
      'Translate their values (never the keys), then delete their lines here, and this file when it\n' +
      'lists none. `npm run i18n:status` counts what is left.\n\n' +
      sections.join('\n'),
  );
}
