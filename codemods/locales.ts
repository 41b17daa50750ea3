import type { Codemod } from './engine.ts';
import { languages } from './languages.ts';
import { projectObject, setProperty } from './project-file.ts';

const NOTE = 'NEEDS_TRANSLATION.md';

// Sets the project's languages: removes unchosen locale folders, adds chosen ones as copies of
// the default language (marked as needing translation), and lists them in src/project.ts and in
// each language's switcher labels.
export const locales: Codemod = {
  name: 'languages',
  describe: (answers) => `${answers.languages.join(', ')} (default ${answers.defaultLanguage})`,
  run({ tree, answers, sourceFile }) {
    const project = projectObject(sourceFile('src/project.ts'));
    const existing = new Set(tree.list('locales').map((path) => path.split('/')[1] as string));
    // Copy from the chosen default when the template has it, otherwise from the template's own.
    const templateDefault =
      project
        .getPropertyOrThrow('defaultLocale')
        .getText()
        .match(/['"](\w+)['"]/)?.[1] ?? 'en';
    const source = existing.has(answers.defaultLanguage)
      ? answers.defaultLanguage
      : templateDefault;

    for (const code of answers.languages) {
      if (code === source) continue;
      // Every file the source language has and this one lacks (all of them for a new language).
      const missing = tree
        .list(`locales/${source}`)
        .filter(
          (p) =>
            p.endsWith('.json') &&
            !tree.exists(p.replace(`locales/${source}/`, () => `locales/${code}/`)),
        );
      if (missing.length === 0) continue;
      for (const path of missing)
        tree.write(
          path.replace(`locales/${source}/`, () => `locales/${code}/`),
          tree.require(path),
        );
      tree.write(
        `locales/${code}/${NOTE}`,
        `# ${languages[code]} (${code}) needs translating\n\n` +
          `${missing.map((p) => `\`${p.split('/').pop()}\``).join(', ')} ${missing.length === 1 ? 'is a copy' : 'are copies'} of \`locales/${source}/\`, made when the project was set up.\n` +
          'Translate the values (never the keys), then delete this file.\n',
      );
    }
    for (const code of existing) {
      if (!(answers.languages as string[]).includes(code)) tree.delete(`locales/${code}`);
    }

    // The language switcher shows each language by its own name, the same in every language.
    const names = Object.fromEntries(answers.languages.map((code) => [code, languages[code]]));
    for (const code of answers.languages) {
      const path = `locales/${code}/common.json`;
      const common = JSON.parse(tree.require(path));
      common.languages = names;
      tree.write(path, `${JSON.stringify(common, null, 2)}\n`);
    }

    setProperty(project, 'locales', answers.languages);
    setProperty(project, 'defaultLocale', answers.defaultLanguage);
  },
};
