// `npm run setup:form`: writes .github/ISSUE_TEMPLATE/setup.yml from the answer table, the
// language list and the removable features' feature.json, and the README's table of answers.
// `--check` only reports whether both are up to date.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANSWERS_DOC_PATH, withAnswersTable } from '../codemods/answers-doc.ts';
import { removableFeatures } from '../codemods/features.ts';
import { renderSetupForm, SETUP_FORM_PATH } from '../codemods/form.ts';
import { Tree } from '../codemods/tree.ts';
import { rootDir } from '../src/core/config/paths.ts';

const removable = removableFeatures(new Tree(rootDir));
const readme = readFileSync(join(rootDir, ANSWERS_DOC_PATH), 'utf8');
const outputs = [
  { path: SETUP_FORM_PATH, text: renderSetupForm(removable) },
  // A configured project's README no longer has the table (it is template-only).
  { path: ANSWERS_DOC_PATH, text: withAnswersTable(readme, removable) ?? readme },
];
if (process.argv.includes('--check')) {
  const stale = outputs.filter(
    ({ path, text }) =>
      !existsSync(join(rootDir, path)) || readFileSync(join(rootDir, path), 'utf8') !== text,
  );
  for (const { path } of stale) console.error(`${path} is out of date: run npm run setup:form`);
  if (stale.length > 0) process.exit(1);
} else {
  for (const { path, text } of outputs) {
    writeFileSync(join(rootDir, path), text);
    console.log(`wrote ${path}`);
  }
}
