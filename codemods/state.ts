import { ANSWERS_SCHEMA_VERSION } from './answers.ts';
import type { Codemod } from './engine.ts';

export const TEMPLATE_WORKFLOWS = [
  '.github/workflows/bootstrap.yml',
  '.github/workflows/setup.yml',
];

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

// Records what was rendered (answers, template commit) for the update flow, marks the project
// configured, and removes what only the template needs.
export const state: Codemod = {
  name: 'state',
  describe: () => 'record answers and template version; remove template-only files',
  run({ tree, answers, options }) {
    const pkg = JSON.parse(tree.require('package.json'));
    tree.write('.template/answers.json', json({ schemaVersion: ANSWERS_SCHEMA_VERSION, answers }));
    tree.write(
      '.template/lock.json',
      json({
        templateRepository: options.templateRepository,
        templateCommit: options.templateCommit,
        templateVersion: pkg.version,
      }),
    );
    tree.write('.template/state.json', json({ configured: true }));

    tree.delete('.github/ISSUE_TEMPLATE/setup.yml');
    // The template's release notes: updates read them from the template itself (decision 0060).
    tree.delete('CHANGELOG.md');
    if (options.deleteTemplateWorkflows) for (const path of TEMPLATE_WORKFLOWS) tree.delete(path);
    for (const path of tree.list().filter((p) => p.endsWith('.md'))) {
      const text = tree.require(path);
      if (!text.includes('<!-- template-only -->')) continue;
      tree.write(
        path,
        text.replace(/<!-- template-only -->[\s\S]*?<!-- \/template-only -->\n*/g, ''),
      );
    }
  },
};
