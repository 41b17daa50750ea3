import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isConfigured } from '../../codemods/setup.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { startFakeGitHub } from '../helpers/fake-github.ts';
import { runWorkflowScript } from '../helpers/workflow-script.ts';
import {
  cleanupFixtures,
  commitAll,
  edit,
  git,
  projectFrom,
  read,
  tempDir,
  templateRepository,
} from './fixtures.ts';

// The scripts of .github/workflows/template-update.yml, run as its steps run them: a read-only
// render in one checkout, the write job in a fresh one, a bare repository as origin and a local
// server standing in for the GitHub API.
const skip = isConfigured(rootDir) ? 'a configured project is not the template' : false;
const BOT = '41898282+github-actions[bot]@users.noreply.github.com';
const WORKFLOW = '.github/workflows/ci.yml';

type PullRequest = {
  number: number;
  node_id: string;
  title: string;
  body: string;
  draft: boolean;
  head: string;
};

describe('template update workflow scripts', { skip }, () => {
  let template: ReturnType<typeof templateRepository>;
  let cacheDir: string;
  let pulls: PullRequest[];
  let github: Awaited<ReturnType<typeof startFakeGitHub>>;

  before(async () => {
    cacheDir = tempDir('update-cache-');
    template = templateRepository('v0.1.0');
    template.release('v0.2.0', (dir) => {
      edit(dir, 'src/app.ts', /^/, '// Template v0.2.0.\n');
      edit(dir, WORKFLOW, 'name: CI\n', 'name: CI\n# v0.2.0: workflow comment\n');
    });
    template.release('v0.3.0', (dir) => {
      edit(dir, 'Dockerfile', 'FROM node:24-slim AS build', 'FROM node:24.5-slim AS build');
    });
    github = await startFakeGitHub(({ method, path, body }) => {
      const input = body as Record<string, unknown>;
      if (method === 'GET' && path.startsWith('/repos/acme/portal/pulls?')) {
        const head = new URL(path, 'http://x').searchParams.get('head');
        return [200, pulls.filter((p) => `acme:${p.head}` === head)];
      }
      if (method === 'POST' && path === '/repos/acme/portal/pulls') {
        const pull = {
          number: pulls.length + 1,
          node_id: `PR_${pulls.length + 1}`,
          title: String(input.title),
          body: String(input.body),
          draft: input.draft === true,
          head: String(input.head),
        };
        pulls.push(pull);
        return [201, pull];
      }
      const number = path.match(/^\/repos\/acme\/portal\/pulls\/(\d+)$/)?.[1];
      const pull = pulls.find((p) => p.number === Number(number));
      if (method === 'PATCH' && pull) {
        Object.assign(pull, { title: input.title, body: input.body });
        return [200, pull];
      }
      if (method === 'POST' && path === '/graphql') {
        const target = pulls.find((p) => p.node_id === (input.variables as { id: string }).id);
        if (!target) return [200, { errors: [{ message: 'not found' }] }];
        target.draft = String(input.query).includes('convertPullRequestToDraft');
        return [200, { data: {} }];
      }
      if (method === 'POST' && path === '/repos/acme/portal/actions/workflows/ci.yml/dispatches')
        return [204];
      return undefined;
    });
  });
  after(async () => {
    await github.close();
    cleanupFixtures();
  });

  /** A project made from v0.1.0 with its own origin, as on GitHub. */
  function derivedProject() {
    const work = projectFrom(template.dir, 'v0.1.0');
    const origin = tempDir('origin-');
    git(origin, 'init', '-q', '--bare', '-b', 'main');
    git(work, 'remote', 'add', 'origin', origin);
    git(work, 'push', '-q', 'origin', 'main');
    pulls = [];
    github.requests.length = 0;
    return { work, origin };
  }

  /** One run of the workflow: the render job in a checkout of main, the write job in another. */
  async function runWorkflow(
    origin: string,
    { inputs, env = {} }: { inputs?: Record<string, string>; env?: Record<string, string> } = {},
  ) {
    const checkout = (name: string) => {
      const dir = tempDir(`${name}-`);
      git(dir, 'clone', '-q', origin, '.');
      execFileSync('ln', ['-s', join(rootDir, 'node_modules'), join(dir, 'node_modules')]);
      return dir;
    };
    const runnerTemp = tempDir('runner-');
    const event = {
      ...(inputs ? { inputs } : { schedule: '17 5 * * 1' }),
      repository: { default_branch: 'main' },
    };
    const common = {
      api: github.url,
      event,
      dir: runnerTemp,
      env: {
        RUNNER_TEMP: runnerTemp,
        GROUNDWORK_TEMPLATE_URL: template.dir,
        GROUNDWORK_CACHE: cacheDir,
        ...env,
      },
    };
    const render = await runWorkflowScript(
      checkout('render'),
      'scripts/github/template-update-render.ts',
      common,
    );
    assert.equal(render.status, 0, render.log);
    assert.deepEqual(github.writes(), [], 'the render job writes nothing');
    if (render.outputs.changed !== 'true') return { render };
    const open = await runWorkflowScript(
      checkout('open'),
      'scripts/github/template-update-open.ts',
      common,
    );
    assert.equal(open.status, 0, open.log);
    return { render, open };
  }

  const show = (origin: string, ref: string) => git(origin, 'show', ref);

  test('opens one pull request from its own branch, workflow files left out as a patch with its command; a later run updates it (draft on conflicts)', async () => {
    const { work, origin } = derivedProject();
    const main = git(origin, 'rev-parse', 'main');

    await runWorkflow(origin, { inputs: { to: 'v0.2.0', set: '' } });
    assert.equal(pulls.length, 1);
    const [pull] = pulls as [PullRequest];
    assert.equal(pull.title, 'Update the template to v0.2.0');
    assert.equal(pull.draft, false, 'no conflict, no draft');
    assert.match(pull.body, /groundwork:template-update/);
    assert.match(pull.body, /## \[0\.2\.0\]/, 'the changelog in between');
    assert.match(pull.body, /Workflow files: not in this branch/);
    assert.equal(git(origin, 'rev-parse', 'main'), main, 'nothing pushed to the default branch');
    assert.equal(git(origin, 'log', '-1', '--format=%ae', 'template-update'), BOT);
    assert.match(show(origin, 'template-update:src/app.ts'), /^\/\/ Template v0\.2\.0\./);
    assert.equal(
      JSON.parse(show(origin, 'template-update:.template/lock.json')).templateVersion,
      '0.2.0',
      'lock.json moves in the same change',
    );
    assert.doesNotMatch(
      show(origin, `template-update:${WORKFLOW}`),
      /v0\.2\.0/,
      'no workflow change pushed',
    );
    assert.deepEqual(
      github.writes().map((r) => `${r.method} ${r.path}`),
      [
        'POST /repos/acme/portal/pulls',
        'POST /repos/acme/portal/actions/workflows/ci.yml/dispatches',
      ],
    );
    assert.deepEqual(github.writes()[1]?.body, { ref: 'template-update' });

    // The command in the body applies the workflow change on the branch.
    const command = pull.body.match(/```sh\n([\s\S]*?)\n```/)?.[1];
    assert.ok(command, pull.body);
    const branch = tempDir('branch-');
    git(branch, 'clone', '-q', '-b', 'template-update', origin, '.');
    execFileSync('sh', ['-c', command], { cwd: branch });
    assert.match(read(branch, WORKFLOW), /# v0\.2\.0: workflow comment/);

    // The project edits a line v0.3.0 changes; the weekly run updates the same pull request.
    edit(work, 'Dockerfile', 'FROM node:24-slim AS build', 'FROM node:24.1-slim AS build');
    commitAll(work, 'Our own base image');
    git(work, 'push', '-q', 'origin', 'main');
    github.requests.length = 0;
    await runWorkflow(origin);
    assert.equal(pulls.length, 1, 'updated, not duplicated');
    assert.equal(pull.title, 'Update the template to v0.3.0');
    assert.equal(pull.draft, true, 'conflicts make it a draft');
    assert.match(pull.body, /`Dockerfile` \(content\)/);
    assert.match(
      show(origin, 'template-update:Dockerfile'),
      /<<<<<<< project\nFROM node:24\.1-slim/,
    );
    assert.deepEqual(
      github.writes().map((r) => `${r.method} ${r.path}`),
      [
        'PATCH /repos/acme/portal/pulls/1',
        'POST /graphql',
        'POST /repos/acme/portal/actions/workflows/ci.yml/dispatches',
      ],
    );
    assert.equal(git(origin, 'rev-parse', 'main'), git(work, 'rev-parse', 'HEAD'));

    // A person resolves the conflict on the branch: the next run leaves their work alone.
    const person = tempDir('person-');
    git(person, 'clone', '-q', '-b', 'template-update', origin, '.');
    edit(person, 'Dockerfile', /<<<<<<< project\n(.*)\n=======\n.*\n>>>>>>> template\n/, '$1\n');
    git(
      person,
      '-c',
      'user.name=Ann',
      '-c',
      'user.email=ann@acme.example',
      'commit',
      '-qam',
      'Resolve',
    );
    git(person, 'push', '-q', 'origin', 'template-update');
    const resolved = git(origin, 'rev-parse', 'template-update');
    github.requests.length = 0;
    const { open } = await runWorkflow(origin);
    assert.match(open?.log ?? '', /left as it is/);
    assert.equal(git(origin, 'rev-parse', 'template-update'), resolved);
    assert.deepEqual(github.writes(), []);

    // Closed without merging: the branch is the bot's again, and a new pull request opens.
    pulls.length = 0;
    await runWorkflow(origin);
    assert.equal(pulls.length, 1);
    assert.equal(git(origin, 'log', '-1', '--format=%ae', 'template-update'), BOT);
  });

  test('with TEMPLATE_UPDATE_TOKEN the workflow files are in the branch; a project at the latest release gets nothing', async () => {
    const { origin } = derivedProject();
    await runWorkflow(origin, {
      inputs: { to: 'v0.2.0' },
      env: { TEMPLATE_UPDATE_TOKEN: 'user-token' },
    });
    assert.equal(pulls.length, 1);
    assert.match(show(origin, `template-update:${WORKFLOW}`), /# v0\.2\.0: workflow comment/);
    assert.match(pulls[0]?.body ?? '', /pushed with `TEMPLATE_UPDATE_TOKEN`/);
    assert.doesNotMatch(pulls[0]?.body ?? '', /```sh/);
    assert.deepEqual(
      github.writes().map((r) => `${r.method} ${r.path}`),
      ['POST /repos/acme/portal/pulls'],
      'a push with the user token starts CI itself',
    );

    // A project already at the latest release: the weekly run has nothing to do.
    const upToDate = derivedProject();
    const work = upToDate.work;
    const lock = JSON.parse(read(work, '.template/lock.json'));
    lock.templateCommit = git(template.dir, 'rev-parse', 'v0.3.0');
    writeFileSync(join(work, '.template/lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    commitAll(work, 'At v0.3.0');
    git(work, 'push', '-q', 'origin', 'main');
    const { render, open } = await runWorkflow(upToDate.origin);
    assert.equal(render.outputs.changed, 'false');
    assert.equal(open, undefined);
    assert.match(render.log, /Nothing to do/);
    assert.deepEqual(github.requests, []);
  });

  test('the workflow passes no event value to a shell', () => {
    const text = readFileSync(join(rootDir, '.github/workflows/template-update.yml'), 'utf8');
    for (const line of text.split('\n').filter((l) => /^\s*(- )?run:/.test(l)))
      assert.doesNotMatch(line, /\$\{\{/, line);
    assert.doesNotMatch(text, /github\.event\./);
  });
});
