import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Tree } from '../../codemods/tree.ts';
import { addLanguage } from '../../scripts/i18n/add-language.ts';
import { checkTranslations } from '../../scripts/i18n/check.ts';
import { extractKeys } from '../../scripts/i18n/extract.ts';
import { translationStatus } from '../../scripts/i18n/status.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { copyProject } from '../helpers/project-copy.ts';

// The project's own translations pass `npm run i18n:check`: this is that check in `npm test`.
test('npm run i18n:check passes on this project', () => {
  const out = execFileSync(process.execPath, ['scripts/i18n.ts', 'check'], {
    cwd: rootDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.match(out, /complete and consistent/);
});

describe('i18n commands on a copy of the project', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const copy = () => {
    const dir = copyProject();
    dirs.push(dir);
    return dir;
  };
  const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
  const json = (dir: string, path: string) => JSON.parse(read(dir, path));
  const edit = (dir: string, path: string, change: (text: string) => string) =>
    writeFileSync(join(dir, path), change(read(dir, path)));
  const editJson = (dir: string, path: string, change: (data: ReturnType<typeof json>) => void) => {
    const data = json(dir, path);
    change(data);
    writeFileSync(join(dir, path), `${JSON.stringify(data, null, 2)}\n`);
  };
  const languages = () => {
    const source = read(rootDir, 'src/project.ts');
    const [defaultLanguage] = /defaultLocale: '(\w+)'/.exec(source)?.slice(1) ?? [];
    const other = /locales: \[([^\]]*)\]/
      .exec(source)?.[1]
      ?.match(/\w+/g)
      ?.find((lang) => lang !== defaultLanguage);
    return { defaultLanguage: defaultLanguage as string, other };
  };
  const { defaultLanguage, other } = languages();

  test('check names each kind of problem where it is', { skip: !other && 'one language' }, () => {
    const dir = copy();
    const footer = 'views/partials/footer.pug';
    edit(dir, footer, (text) => `${text}\np= t('footer.nowhere')\np= t(\`nav.\${x}.none\`)\n`);
    const lines = read(dir, footer).split('\n').length;
    editJson(dir, `locales/${defaultLanguage}/common.json`, (texts) => {
      texts.unused = 'Nobody reads me';
      texts.footer.builtWith = '{{name}} built';
    });
    editJson(dir, `locales/${other}/home.json`, (texts) => {
      const seconds = Object.keys(texts.status).find((key) => key.endsWith('_other')) as string;
      delete texts.status[seconds];
      texts.status.extra = 'x';
    });
    const problems = checkTranslations(new Tree(dir)).map((p) => `${p.where}: ${p.message}`);
    const expected = [
      `${footer}:${lines - 2}: common:footer.nowhere is used but not in locales/${defaultLanguage}/`,
      `${footer}:${lines - 1}: no key matches common:nav.\${x}.none`,
      `locales/${defaultLanguage}/common.json: common:unused is not used by the code or views`,
      `locales/${other}/: common:footer.builtWith has the placeholders name, version; ${defaultLanguage} has name`,
      `locales/${other}/: home:status.extra is not in locales/${defaultLanguage}/`,
      `locales/${other}/: home:status.seconds is missing`,
    ];
    for (const line of expected) {
      assert.ok(
        problems.some((p) => p.startsWith(line)),
        `expected "${line}" in:\n${problems.join('\n')}`,
      );
    }
  });

  test('extract adds used keys everywhere, marked, and changes no existing text', () => {
    const dir = copy();
    edit(dir, 'views/partials/footer.pug', (text) => `${text}\np= t('home:brandNew.title')\n`);
    const before = json(dir, `locales/${defaultLanguage}/home.json`);
    const { added, conflicts } = extractKeys(dir);
    assert.deepEqual(conflicts, []);
    assert.ok(added.includes(`${defaultLanguage}: + home:brandNew.title`), added.join('\n'));
    const after = json(dir, `locales/${defaultLanguage}/home.json`);
    assert.equal(after.brandNew.title, 'brandNew.title');
    assert.deepEqual({ ...after, brandNew: undefined }, { ...before, brandNew: undefined });
    assert.match(
      read(dir, `locales/${defaultLanguage}/NEEDS_TRANSLATION.md`),
      /^- `brandNew\.title`$/m,
    );
    if (other) {
      assert.equal(json(dir, `locales/${other}/home.json`).brandNew.title, 'brandNew.title');
      assert.match(read(dir, `locales/${other}/NEEDS_TRANSLATION.md`), /^- `brandNew\.title`$/m);
    }
    assert.deepEqual(checkTranslations(new Tree(dir)), []);
    const status = translationStatus(new Tree(dir));
    const row = status.find((r) => r.lang === defaultLanguage);
    assert.equal(row?.translated, (row?.total ?? 0) - 1);
    // Run again: nothing more to add.
    assert.deepEqual(extractKeys(dir).added, []);
  });

  test('add-language: folder, project list, switcher names, note and saved answers', () => {
    const dir = copy();
    const code = ['pl', 'fr', 'de'].find(
      (lang) => !read(dir, 'src/project.ts').includes(`'${lang}'`),
    );
    assert.ok(code);
    writeFileSync(
      join(dir, '.template/answers.json'),
      `${JSON.stringify({ schemaVersion: 1, answers: { languages: [defaultLanguage, ...(other ? [other] : [])] } })}\n`,
    );
    addLanguage(dir, code);
    assert.match(read(dir, 'src/project.ts'), new RegExp(`locales: \\[[^\\]]*'${code}'\\]`));
    assert.deepEqual(json(dir, '.template/answers.json').answers.languages, [
      defaultLanguage,
      ...[other, code].filter(Boolean).sort(),
    ]);
    const names = json(dir, `locales/${defaultLanguage}/common.json`).languages;
    assert.ok(names[code], 'the switcher names the new language');
    assert.deepEqual(json(dir, `locales/${code}/common.json`).languages, names);
    const status = translationStatus(new Tree(dir)).find((r) => r.lang === code);
    // Nothing translated but its own name in the switcher (the same in every language).
    assert.equal(status?.translated, 1);
    assert.ok((status?.total ?? 0) > 50);
    assert.deepEqual(checkTranslations(new Tree(dir)), []);
    assert.throws(() => addLanguage(dir, code), /already offers/);
    assert.throws(() => addLanguage(dir, 'xx'), /not one of the languages/);
  });
});
