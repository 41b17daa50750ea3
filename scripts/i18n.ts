// The translation commands (decision 0115):
//   npm run i18n:check                  keys used exist, none unused, languages agree
//   npm run i18n:extract                add the keys the code uses to every language, marked
//   npm run i18n:add-language -- <code> add a language, the way setup does
//   npm run i18n:status                 how much of each language is translated
import { languageCodes } from '../codemods/languages.ts';
import { Tree } from '../codemods/tree.ts';
import { rootDir } from '../src/core/config/paths.ts';
import { addLanguage } from './i18n/add-language.ts';
import { checkTranslations } from './i18n/check.ts';
import { extractKeys } from './i18n/extract.ts';
import { translationStatus } from './i18n/status.ts';

const [command, ...args] = process.argv.slice(2);
const usage = `Usage: npm run i18n:check | i18n:extract | i18n:status | i18n:add-language -- <code>
  (codes: ${languageCodes.join(', ')})`;

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

try {
  if (command === 'check') {
    const problems = checkTranslations(new Tree(rootDir));
    for (const { where, message } of problems) console.error(`${where}: ${message}`);
    if (problems.length > 0)
      fail(`\n${problems.length} problem(s). \`npm run i18n:extract\` adds missing keys.`);
    console.log('Translations are complete and consistent.');
  } else if (command === 'extract') {
    const { added, conflicts } = extractKeys(rootDir);
    for (const line of added) console.log(line);
    for (const line of conflicts) console.error(line);
    console.log(
      added.length > 0 ? 'Added texts are listed in each NEEDS_TRANSLATION.md.' : 'Nothing to add.',
    );
    if (conflicts.length > 0) process.exit(1);
  } else if (command === 'status') {
    for (const row of translationStatus(new Tree(rootDir))) {
      const share = row.total === 0 ? 100 : Math.floor((100 * row.translated) / row.total);
      console.log(
        `${row.lang.padEnd(4)} ${row.name.padEnd(18)} ${String(row.translated).padStart(5)} of ${row.total} translated (${share}%)${row.isDefault ? '  default' : ''}`,
      );
    }
  } else if (command === 'add-language') {
    if (args.length !== 1) fail(usage, 2);
    for (const change of addLanguage(rootDir, args[0] as string))
      console.log(`${change.type === 'write' ? 'wrote  ' : 'deleted'} ${change.path}`);
    console.log(
      'Translate the copies (see its NEEDS_TRANSLATION.md), then run npm run i18n:check.',
    );
  } else {
    fail(usage, 2);
  }
} catch (error) {
  fail((error as Error).message);
}
