import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removableFeatures } from '../../codemods/features.ts';
import { SETUP_FORM_PATH } from '../../codemods/form.ts';
import { languageLabel } from '../../codemods/languages.ts';
import { isConfigured } from '../../codemods/setup.ts';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { startFakeGitHub, testToken } from '../helpers/fake-github.ts';
import { copyProject } from '../helpers/project-copy.ts';
import { runWorkflowScript } from '../helpers/workflow-script.ts';
import { type FormValues, issueBody } from './issue-body.ts';

// The scripts the setup and bootstrap workflows run, run the way the workflows run them: from a
// checkout of a repository made from the template, with an event payload file and a local server
// standing in for the GitHub API.
const template = isConfigured(rootDir) ? 'a configured project is not the template' : false;
const BOT = '41898282+github-actions[bot]@users.noreply.github.com';
const TEMPLATE_SHA = 'feedfacefeedfacefeedfacefeedfacefeedface';
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();

const cleanup: string[] = [];
after(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

/** A repository "made from the template": this project as its first commit, pushed to a bare origin. */
function derivedRepository() {
  const work = copyProject();
  const origin = mkdtempSync(join(tmpdir(), 'origin-'));
  cleanup.push(work, origin);
  git(origin, 'init', '-q', '--bare', '-b', 'main');
  git(work, 'checkout', '-q', '-b', 'main');
  git(work, 'add', '-A');
  git(
    work,
    '-c',
    'user.name=Template',
    '-c',
    'user.email=t@example.com',
    'commit',
    '-q',
    '-m',
    'Initial commit',
  );
  git(work, 'remote', 'add', 'origin', origin);
  git(work, 'push', '-q', 'origin', 'main');
  return { work, origin, tree: git(work, 'rev-parse', 'HEAD^{tree}') };
}

/** The write job's fresh checkout of the origin, as actions/checkout makes it. */
function freshCheckout(origin: string) {
  const checkout = mkdtempSync(join(tmpdir(), 'checkout-'));
  cleanup.push(checkout);
  git(checkout, 'clone', '-q', origin, '.');
  symlinkSync(join(rootDir, 'node_modules'), join(checkout, 'node_modules'));
  return checkout;
}

type Issue = {
  number: number;
  body: string;
  state?: string;
  action?: string;
  author?: string;
  /** Who triggered the run (the event's sender); the author when not given. */
  sender?: string;
  labels?: string[];
};

async function runScript(
  cwd: string,
  script: string,
  api: string,
  issue: Issue | { isTemplate: boolean },
  setupDir: string,
) {
  const repository = {
    is_template: 'number' in issue ? false : issue.isTemplate,
    default_branch: 'main',
    html_url: 'https://github.com/acme/portal',
  };
  const event =
    'number' in issue
      ? {
          action: issue.action ?? 'opened',
          issue: {
            number: issue.number,
            state: issue.state ?? 'open',
            body: issue.body,
            user: { login: issue.author ?? 'alice' },
            labels: (issue.labels ?? ['setup']).map((name) => ({ name })),
          },
          sender: { login: issue.sender ?? issue.author ?? 'alice' },
          repository,
        }
      : { repository };
  return runWorkflowScript(cwd, script, {
    api,
    event,
    dir: setupDir,
    env: { SETUP_DIR: setupDir },
  });
}

describe('setup workflow scripts', { skip: template }, () => {
  const form = readFileSync(join(rootDir, SETUP_FORM_PATH), 'utf8');
  const features = removableFeatures(new Tree(rootDir));
  const valid: FormValues = {
    name: 'Acme Portal',
    slug: 'acme-portal',
    description: 'The portal for Acme customers.',
    organization: 'Acme Inc',
    contactEmail: 'ops@acme.example',
    languages: [languageLabel('en'), languageLabel('de')],
    defaultLanguage: [languageLabel('en')],
    features: features.map((f) => f.label),
    domain: 'portal.acme.example',
  };
  const roles: Record<string, { permission: string; role_name: string }> = {
    alice: { permission: 'admin', role_name: 'admin' },
    maya: { permission: 'write', role_name: 'maintain' },
    bob: { permission: 'write', role_name: 'write' },
  };

  let repo: ReturnType<typeof derivedRepository>;
  let comments: Array<{ id: number; body: string; user: { login: string } }>;
  let github: Awaited<ReturnType<typeof startFakeGitHub>>;
  before(async () => {
    github = await startFakeGitHub(({ method, path, body }) => {
      const user = path.match(/^\/repos\/acme\/portal\/collaborators\/([^/]+)\/permission$/)?.[1];
      if (method === 'GET' && user)
        return roles[user]
          ? [200, { ...roles[user], user: { login: user } }]
          : [404, { message: 'Not Found' }];
      if (method === 'GET' && path === '/repos/acme/portal')
        return [200, { template_repository: { full_name: 'groundwork-dev/groundwork' } }];
      if (method === 'GET' && path.startsWith('/repos/groundwork-dev/groundwork/commits')) {
        return [
          200,
          [
            { sha: 'b'.repeat(40), commit: { tree: { sha: 'c'.repeat(40) } } },
            { sha: TEMPLATE_SHA, commit: { tree: { sha: repo.tree } } },
          ],
        ];
      }
      if (method === 'GET' && path.startsWith('/repos/acme/portal/issues/7/comments'))
        return [200, comments];
      if (method === 'POST' && path === '/repos/acme/portal/issues/7/comments') {
        const comment = {
          id: comments.length + 1,
          body: (body as { body: string }).body,
          user: { login: 'github-actions[bot]' },
        };
        comments.push(comment);
        return [201, comment];
      }
      const updated = path.match(/^\/repos\/acme\/portal\/issues\/comments\/(\d+)$/)?.[1];
      if (method === 'PATCH' && updated) {
        const comment = comments.find((c) => c.id === Number(updated));
        if (!comment) return [404, {}];
        comment.body = (body as { body: string }).body;
        return [200, comment];
      }
      if (method === 'POST' && path === '/repos/acme/portal/actions/workflows/ci.yml/dispatches')
        return [204];
      if (method === 'PATCH' && path === '/repos/acme/portal/issues/7')
        return [200, { number: 7, ...(body as object) }];
      return undefined;
    });
  });
  after(() => github.close());

  // Every test starts from its own repository made from the template, and a clean API record.
  function freshRun() {
    repo = derivedRepository();
    comments = [];
    github.requests.length = 0;
    const setupDir = mkdtempSync(join(tmpdir(), 'setup-dir-'));
    cleanup.push(setupDir);
    return setupDir;
  }

  test('an administrator with valid answers: checked, rendered, committed by the bot, CI started, commented, closed', async () => {
    const setupDir = freshRun();
    const issue = { number: 7, body: issueBody(form, valid) };
    const check = await runScript(
      repo.work,
      'scripts/github/setup-check.ts',
      github.url,
      issue,
      setupDir,
    );
    assert.equal(check.status, 0, check.log);
    assert.deepEqual(check.outputs, { allowed: 'true', valid: 'true' });
    assert.deepEqual(github.writes(), [], 'the read-only job writes nothing');

    const render = await runScript(
      repo.work,
      'scripts/github/setup-render.ts',
      github.url,
      issue,
      setupDir,
    );
    assert.equal(render.status, 0, render.log);
    assert.match(
      readFileSync(join(setupDir, 'summary.md'), 'utf8'),
      /set up as \*\*Acme Portal\*\*/,
    );
    assert.equal(
      JSON.parse(readFileSync(join(repo.work, '.template/lock.json'), 'utf8')).templateCommit,
      TEMPLATE_SHA,
    );
    // The workflow's "Make the patch" step.
    git(repo.work, 'add', '-A');
    writeFileSync(
      join(setupDir, 'setup.patch'),
      execFileSync('git', ['diff', '--cached', '--binary'], { cwd: repo.work }),
    );
    const touched = git(repo.work, 'diff', '--cached', '--name-only').split('\n');
    assert.ok(touched.includes('src/project.ts'));
    assert.deepEqual(
      touched.filter((p) => p.startsWith('.github/workflows/')),
      [],
      'no workflow file in the patch',
    );

    // The write job runs on a fresh checkout.
    const checkout = freshCheckout(repo.origin);
    const apply = await runScript(
      checkout,
      'scripts/github/setup-apply.ts',
      github.url,
      issue,
      setupDir,
    );
    assert.equal(apply.status, 0, apply.log);

    assert.equal(git(repo.origin, 'log', '-1', '--format=%ae', 'main'), BOT);
    assert.match(git(repo.origin, 'log', '-1', '--format=%s', 'main'), /^Set up Acme Portal$/);
    assert.match(git(repo.origin, 'show', 'main:.template/state.json'), /"configured": true/);
    assert.match(git(repo.origin, 'show', 'main:src/project.ts'), /name: 'Acme Portal'/);
    const writes = github.writes().map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(writes, [
      'POST /repos/acme/portal/actions/workflows/ci.yml/dispatches',
      'POST /repos/acme/portal/issues/7/comments',
      'PATCH /repos/acme/portal/issues/7',
    ]);
    assert.deepEqual(github.writes()[0]?.body, { ref: 'main' });
    assert.match(
      comments[0]?.body ?? '',
      /groundwork:setup-summary[\s\S]*Acme Portal[\s\S]*CI has been started/,
    );
    assert.deepEqual(github.writes()[2]?.body, { state: 'closed', state_reason: 'completed' });
  });

  test('security review 13: a push that fails never shows the token, in the log or the comment', async () => {
    const setupDir = freshRun();
    const issue = { number: 7, body: issueBody(form, valid) };
    for (const script of ['scripts/github/setup-check.ts', 'scripts/github/setup-render.ts']) {
      const run = await runScript(repo.work, script, github.url, issue, setupDir);
      assert.equal(run.status, 0, run.log);
    }
    git(repo.work, 'add', '-A');
    writeFileSync(
      join(setupDir, 'setup.patch'),
      execFileSync('git', ['diff', '--cached', '--binary'], { cwd: repo.work }),
    );
    const checkout = freshCheckout(repo.origin);
    // An https remote (so the token is sent) where nothing listens: the push fails.
    git(checkout, 'remote', 'set-url', 'origin', 'https://127.0.0.1:9/acme/portal.git');
    const apply = await runScript(
      checkout,
      'scripts/github/setup-apply.ts',
      github.url,
      issue,
      setupDir,
    );
    assert.notEqual(apply.status, 0, 'the push failed');
    const basic = Buffer.from(`x-access-token:${testToken}`).toString('base64');
    for (const text of [apply.log, ...comments.map((c) => c.body)]) {
      assert.ok(!text.includes(basic) && !text.includes(testToken), text);
    }
    assert.match(comments.at(-1)?.body ?? '', /could not be committed/);
  });

  test('someone who is not an administrator or maintainer: nothing is written', async () => {
    for (const author of ['mallory', 'bob']) {
      const setupDir = freshRun();
      const result = await runScript(
        repo.work,
        'scripts/github/setup-check.ts',
        github.url,
        { number: 7, body: issueBody(form, valid), author },
        setupDir,
      );
      assert.equal(result.status, 0, result.log);
      assert.deepEqual(result.outputs, { allowed: 'false', valid: 'false' });
      assert.match(result.log, /only administrators and maintainers/);
      assert.deepEqual(github.writes(), []);
      assert.ok(!existsSync(join(setupDir, 'answers.json')));
    }
  });

  test('security review 2: an edit by a collaborator without admin or maintain is refused, whoever opened the issue', async () => {
    for (const [author, sender] of [
      ['alice', 'bob'],
      ['bob', 'alice'],
    ]) {
      const setupDir = freshRun();
      const result = await runScript(
        repo.work,
        'scripts/github/setup-check.ts',
        github.url,
        { number: 7, action: 'edited', body: issueBody(form, valid), author, sender },
        setupDir,
      );
      assert.equal(result.status, 0, result.log);
      assert.deepEqual(result.outputs, { allowed: 'false', valid: 'false' }, `${author}/${sender}`);
      assert.match(result.log, /"write" here; only administrators and maintainers/);
      assert.deepEqual(github.writes(), []);
      assert.ok(!existsSync(join(setupDir, 'answers.json')));
    }
  });

  test('security review 11: a dropdown answer carrying a line break and ::warning:: is never a workflow command', async () => {
    const setupDir = freshRun();
    const injected = { ...valid, defaultLanguage: [`${languageLabel('en')}\n::warning::pwned`] };
    const result = await runScript(
      repo.work,
      'scripts/github/setup-check.ts',
      github.url,
      { number: 7, body: issueBody(form, injected) },
      setupDir,
    );
    assert.equal(result.status, 0, result.log);
    assert.deepEqual(result.outputs, { allowed: 'true', valid: 'false' });
    assert.match(result.log, /::warning::pwned/, 'the value is logged, escaped');
    assert.doesNotMatch(result.log, /^::/m, 'no line of the log is a workflow command');
    assert.doesNotMatch(readFileSync(join(setupDir, 'errors.md'), 'utf8'), /^::/m);
  });

  test('a maintainer may set up', async () => {
    const setupDir = freshRun();
    const result = await runScript(
      repo.work,
      'scripts/github/setup-check.ts',
      github.url,
      { number: 7, body: issueBody(form, valid), author: 'maya' },
      setupDir,
    );
    assert.equal(result.outputs.allowed, 'true', result.log);
  });

  test('invalid answers: one comment listing every error; an edit updates it, and a fixed edit passes', async () => {
    const setupDir = freshRun();
    const broken = {
      ...valid,
      slug: 'Acme Portal',
      contactEmail: 'nope',
      defaultLanguage: [languageLabel('fr')],
    };
    const check = await runScript(
      repo.work,
      'scripts/github/setup-check.ts',
      github.url,
      { number: 7, body: issueBody(form, broken) },
      setupDir,
    );
    assert.deepEqual(check.outputs, { allowed: 'true', valid: 'false' });
    const report = await runScript(
      repo.work,
      'scripts/github/setup-report.ts',
      github.url,
      { number: 7, body: '' },
      setupDir,
    );
    assert.equal(report.status, 0, report.log);
    assert.equal(comments.length, 1);
    assert.match(comments[0]?.body ?? '', /\*\*Slug\*\*: must start with a letter/);
    assert.match(comments[0]?.body ?? '', /\*\*Contact email\*\*: must be an email/);
    assert.match(
      comments[0]?.body ?? '',
      /\*\*Default language\*\*: must be one of the chosen languages/,
    );

    // Edited, still wrong: the same comment is updated.
    const stillBroken = { ...broken, contactEmail: 'ops@acme.example' };
    await runScript(
      repo.work,
      'scripts/github/setup-check.ts',
      github.url,
      { number: 7, action: 'edited', body: issueBody(form, stillBroken) },
      setupDir,
    );
    await runScript(
      repo.work,
      'scripts/github/setup-report.ts',
      github.url,
      { number: 7, body: '' },
      setupDir,
    );
    assert.equal(comments.length, 1, 'still one comment');
    assert.doesNotMatch(comments[0]?.body ?? '', /Contact email/);
    assert.match(comments[0]?.body ?? '', /Slug/);

    // Edited and fixed: revalidated.
    const fixed = await runScript(
      repo.work,
      'scripts/github/setup-check.ts',
      github.url,
      { number: 7, action: 'edited', body: issueBody(form, valid) },
      setupDir,
    );
    assert.deepEqual(fixed.outputs, { allowed: 'true', valid: 'true' });
  });

  test("security review 12: a comment carrying the bot's marker but written by someone else is never the bot's", async () => {
    const setupDir = freshRun();
    const planted = '<!-- groundwork:setup-errors -->\nPlanted by mallory';
    comments.push({ id: 1, body: planted, user: { login: 'mallory' } });
    const broken = { ...valid, slug: 'Acme Portal' };
    const check = await runScript(
      repo.work,
      'scripts/github/setup-check.ts',
      github.url,
      { number: 7, body: issueBody(form, broken) },
      setupDir,
    );
    assert.deepEqual(check.outputs, { allowed: 'true', valid: 'false' });
    const report = await runScript(
      repo.work,
      'scripts/github/setup-report.ts',
      github.url,
      { number: 7, body: '' },
      setupDir,
    );
    assert.equal(report.status, 0, report.log);
    assert.equal(comments[0]?.body, planted, "mallory's comment is left alone");
    assert.equal(comments.length, 2, 'the bot writes its own');
    assert.match(comments[1]?.body ?? '', /\*\*Slug\*\*/);
    assert.equal(comments[1]?.user.login, 'github-actions[bot]');
  });

  test('issues without the setup label, closed issues and the template itself are ignored', async () => {
    for (const issue of [
      { number: 7, body: issueBody(form, valid), labels: ['bug'] },
      { number: 7, body: issueBody(form, valid), state: 'closed' },
    ]) {
      const setupDir = freshRun();
      const result = await runScript(
        repo.work,
        'scripts/github/setup-check.ts',
        github.url,
        issue,
        setupDir,
      );
      assert.deepEqual(result.outputs, { allowed: 'false', valid: 'false' });
      assert.deepEqual(github.requests, [], 'not even a permission check');
    }
  });
});

describe('bootstrap workflow script', { skip: template }, () => {
  test('creates the label and one issue linking to the prefilled form; a second run does nothing', async () => {
    const labels = new Set<string>();
    const issues: Array<{ number: number; body: string; user: { login: string } }> = [];
    const github = await startFakeGitHub(({ method, path, body }) => {
      const label = path.match(/^\/repos\/acme\/portal\/labels\/([^/?]+)$/)?.[1];
      if (method === 'GET' && label) return labels.has(label) ? [200, { name: label }] : [404, {}];
      if (method === 'POST' && path === '/repos/acme/portal/labels') {
        labels.add((body as { name: string }).name);
        return [201, body];
      }
      if (method === 'GET' && path.startsWith('/repos/acme/portal/issues?')) return [200, issues];
      if (method === 'POST' && path === '/repos/acme/portal/issues') {
        const issue = {
          number: issues.length + 1,
          body: (body as { body: string }).body,
          user: { login: 'github-actions[bot]' },
        };
        issues.push(issue);
        return [201, issue];
      }
      return undefined;
    });
    try {
      const { work } = derivedRepository();
      const setupDir = mkdtempSync(join(tmpdir(), 'setup-dir-'));
      cleanup.push(setupDir);
      const first = await runScript(
        work,
        'scripts/github/bootstrap.ts',
        github.url,
        { isTemplate: false },
        setupDir,
      );
      assert.equal(first.status, 0, first.log);
      assert.deepEqual([...labels], ['setup']);
      assert.equal(issues.length, 1);
      const link = issues[0]?.body.match(
        /\((https:\/\/github\.com\/acme\/portal\/issues\/new\?[^)]+)\)/,
      )?.[1];
      assert.ok(link, issues[0]?.body);
      const params = new URL(link).searchParams;
      assert.equal(params.get('template'), 'setup.yml');
      assert.equal(params.get('project_name'), 'Portal');
      assert.equal(params.get('slug'), 'portal');

      const writesBefore = github.writes().length;
      const second = await runScript(
        work,
        'scripts/github/bootstrap.ts',
        github.url,
        { isTemplate: false },
        setupDir,
      );
      assert.equal(second.status, 0, second.log);
      assert.equal(github.writes().length, writesBefore, 'idempotent');

      github.requests.length = 0;
      await runScript(
        work,
        'scripts/github/bootstrap.ts',
        github.url,
        { isTemplate: true },
        setupDir,
      );
      assert.deepEqual(github.requests, [], 'the template itself is left alone');
    } finally {
      await github.close();
    }
  });

  test('security review 12: an open issue carrying the bootstrap marker but not opened by the bot does not stop it', async () => {
    const issues = [
      { number: 1, body: '<!-- groundwork:bootstrap -->\nmine', user: { login: 'mallory' } },
    ];
    const github = await startFakeGitHub(({ method, path, body }) => {
      if (method === 'GET' && path.startsWith('/repos/acme/portal/labels/')) return [200, {}];
      if (method === 'GET' && path.startsWith('/repos/acme/portal/issues?')) return [200, issues];
      if (method === 'POST' && path === '/repos/acme/portal/issues') {
        const issue = {
          number: issues.length + 1,
          body: (body as { body: string }).body,
          user: { login: 'github-actions[bot]' },
        };
        issues.push(issue);
        return [201, issue];
      }
      return undefined;
    });
    try {
      const { work } = derivedRepository();
      const setupDir = mkdtempSync(join(tmpdir(), 'setup-dir-'));
      cleanup.push(setupDir);
      const run = await runScript(
        work,
        'scripts/github/bootstrap.ts',
        github.url,
        { isTemplate: false },
        setupDir,
      );
      assert.equal(run.status, 0, run.log);
      assert.equal(issues.length, 2, 'the bot opened its own setup issue');
      assert.equal(issues[1]?.user.login, 'github-actions[bot]');
    } finally {
      await github.close();
    }
  });
});
