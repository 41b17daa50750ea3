// Bootstrap workflow: in a repository made from the template and not yet set up, creates the
// `setup` label (labels are not copied from templates) and opens one issue that links to the
// setup form, prefilled from the repository name. Idempotent: it does nothing once that issue
// exists or the project is configured.

import { z } from 'zod';
import { formFields, SETUP_LABEL } from '../../codemods/form.ts';
import { isConfigured } from '../../codemods/setup.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { api, hasStatus, info, isBots, markers, readEvent, repository } from './github.ts';

const event = readEvent(
  z.object({
    repository: z.object({ is_template: z.boolean().optional(), html_url: z.string().url() }),
  }),
);
const { owner, repo } = repository();

if (event.repository.is_template) {
  info('This is the template itself: nothing to bootstrap.');
} else if (isConfigured(rootDir)) {
  info('The project is already set up: nothing to bootstrap.');
} else {
  const github = api();
  try {
    await github.rest.issues.getLabel({ owner, repo, name: SETUP_LABEL });
  } catch (error) {
    if (!hasStatus(error, 404)) throw error;
    await github.rest.issues.createLabel({
      owner,
      repo,
      name: SETUP_LABEL,
      color: '0e8a16',
      description: 'Project setup',
    });
    info(`created the "${SETUP_LABEL}" label`);
  }

  const open = await github.paginate(github.rest.issues.listForRepo, {
    owner,
    repo,
    state: 'open',
    per_page: 100,
  });
  if (open.some((issue) => isBots(issue, markers.bootstrap))) {
    info('The setup issue is open already.');
  } else {
    const form = new URL(`${event.repository.html_url}/issues/new`);
    form.searchParams.set('template', 'setup.yml');
    // The text answers `npm run setup` would suggest here (name, slug, owner), by field id.
    const suggested: Record<string, unknown> = {};
    for (const field of formFields) {
      const value =
        field.control.kind === 'text'
          ? field.suggest?.({ folder: repo, owner, removable: [] }, suggested)
          : undefined;
      if (typeof value !== 'string' || !value) continue;
      suggested[field.key] = value;
      form.searchParams.set(field.formId, value);
    }
    const { data } = await github.rest.issues.create({
      owner,
      repo,
      title: 'Set up this project',
      body: [
        markers.bootstrap,
        'This repository was created from the Groundwork template and is not set up yet.',
        '',
        `**[Open the setup form](${form.toString()})**: a few answers (name, languages, optional features...),`,
        'and a workflow renames and configures the code, runs the tests, commits, and closes the form.',
        '',
        'Only administrators and maintainers of this repository can run the setup. Close this issue when',
        'the project is set up (or to set it up locally instead with `npm run setup`).',
      ].join('\n'),
    });
    info(`opened issue #${data.number}`);
  }
}
