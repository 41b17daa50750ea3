import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceFiles } from '../../codemods/engine.ts';
import { type LanguageCode, languageCodes } from '../../codemods/languages.ts';
import { copyLanguage, setLanguageNames } from '../../codemods/locales.ts';
import { getProperty, projectObject, setProperty } from '../../codemods/project-file.ts';
import { format } from '../../codemods/setup.ts';
import { type Change, Tree } from '../../codemods/tree.ts';

const ANSWERS = '.template/answers.json';

/**
 * Adds a language to the project in `root` with the setup codemod's own steps: its folder as a
 * copy of the default language (marked in NEEDS_TRANSLATION.md), src/project.ts, the switcher
 * names in every language, and the saved answers, so template updates render it too.
 */
export function addLanguage(root: string, code: string): Change[] {
  if (!(languageCodes as string[]).includes(code)) {
    throw new Error(
      `"${code}" is not one of the languages setup offers (${languageCodes.join(', ')}); add it to codemods/languages.ts first.`,
    );
  }
  const tree = new Tree(root);
  const { sourceFile, sync } = sourceFiles(tree);
  const project = projectObject(sourceFile('src/project.ts'));
  const current = getProperty(project, 'locales') as LanguageCode[];
  if (current.includes(code as LanguageCode))
    throw new Error(`The project already offers ${code} (src/project.ts).`);
  const codes = [...current, code as LanguageCode];

  copyLanguage(tree, getProperty(project, 'defaultLocale') as string, code as LanguageCode);
  setLanguageNames(tree, codes);
  setProperty(project, 'locales', codes);
  if (existsSync(join(root, ANSWERS))) {
    const saved = JSON.parse(readFileSync(join(root, ANSWERS), 'utf8'));
    const [first, ...others] = saved.answers.languages as string[];
    // The order validateAnswers keeps: the default first, then the others sorted.
    saved.answers.languages = [first, ...[...others, code].sort()];
    tree.write(ANSWERS, `${JSON.stringify(saved, null, 2)}\n`);
  }
  sync();
  const changes = tree.commit();
  format(
    root,
    changes.filter((c) => c.type === 'write').map((c) => c.path),
  );
  return changes;
}
