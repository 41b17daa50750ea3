// `npm run setup:form`: writes .github/ISSUE_TEMPLATE/setup.yml from the language list and the
// removable features' feature.json. `--check` only reports whether the file is up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removableFeatures } from '../codemods/features.ts';
import { renderSetupForm, SETUP_FORM_PATH } from '../codemods/form.ts';
import { Tree } from '../codemods/tree.ts';
import { rootDir } from '../src/core/config/paths.ts';

const form = renderSetupForm(removableFeatures(new Tree(rootDir)));
const path = join(rootDir, SETUP_FORM_PATH);
if (process.argv.includes('--check')) {
  if (readFileSync(path, 'utf8') !== form) {
    console.error(`${SETUP_FORM_PATH} is out of date: run npm run setup:form`);
    process.exit(1);
  }
} else {
  writeFileSync(path, form);
  console.log(`wrote ${SETUP_FORM_PATH}`);
}
