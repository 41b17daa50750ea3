import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseDocument } from 'yaml';
import { rootDir } from '../src/core/config/paths.ts';
import { copyProject } from '../tests/helpers/project-copy.ts';
import { baseAnswers, renderOptions } from '../tests/setup/answers.ts';
import type { Answers } from './answers.ts';
import { readManifests } from './features.ts';
import { setUp } from './setup.ts';
import { TEMPLATE_WORKFLOWS } from './state.ts';
import { Tree } from './tree.ts';

const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

// A fresh, unconfigured copy of this project (in a configured project too, so these tests keep
// running after setup).
function fresh() {
  const dir = copyProject();
  copies.push(dir);
  writeFileSync(join(dir, '.template/state.json'), '{ "configured": false }\n');
  return dir;
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

function snapshot(dir: string) {
  const files = new Tree(dir).list().filter((p) => !p.startsWith('node_modules/'));
  return Object.fromEntries(
    files.map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(join(dir, f)))
        .digest('hex'),
    ]),
  );
}

async function importProject(dir: string) {
  return (await import(`${join(dir, 'src/project.ts')}?${Math.random()}`)).project;
}

describe('setup codemods', () => {
  test('rename: LICENSE, SECURITY.md and CODE_OF_CONDUCT.md name the owner and contact', () => {
    const dir = fresh();
    setUp(dir, baseAnswers, renderOptions);
    assert.match(
      read(dir, 'LICENSE'),
      /\nCopyright \(c\) Acme Inc\nCopyright \(c\) The Groundwork authors \(the template this project started from\)\n\nPermission/,
    );
    for (const file of ['SECURITY.md', 'CODE_OF_CONDUCT.md'])
      assert.match(read(dir, file), /\*\*ops@acme\.example\*\*/, file);
    assert.doesNotMatch(read(dir, 'SECURITY.md'), /template-only|For the template itself/);
    // Bug and feature forms stay for the project; the setup form is the template's.
    assert.deepEqual(new Tree(dir).list('.github/ISSUE_TEMPLATE'), [
      '.github/ISSUE_TEMPLATE/bug.yml',
      '.github/ISSUE_TEMPLATE/feature.yml',
    ]);
  });

  const agents = readManifests(new Tree(rootDir)).find((f) => f.name === 'agents');
  test('agents: kept, its files name no template; removed, nothing of it is left', {
    skip: !agents && 'the project has no agents feature',
  }, () => {
    assert.ok(agents);
    const kept = fresh();
    setUp(kept, { ...baseAnswers, features: ['agents'] }, renderOptions);
    for (const path of agents.paths) {
      const files = new Tree(kept).list(path);
      assert.ok(files.length > 0, `${path} is kept`);
      for (const file of files) assert.doesNotMatch(read(kept, file), /groundwork/i, file);
    }
    const removed = fresh();
    setUp(removed, { ...baseAnswers, features: [] }, renderOptions);
    for (const path of agents.paths)
      assert.deepEqual(new Tree(removed).list(path), [], `${path} is removed`);
    const scripts = Object.keys(JSON.parse(read(removed, 'package.json')).scripts);
    assert.deepEqual(
      scripts.filter((name) => name.startsWith('mcp:')),
      [],
    );
    for (const file of ['README.md', 'AGENTS.md']) {
      assert.doesNotMatch(read(removed, file), /feature:agents|\.mcp\.json/, file);
    }
  });

  test('rename: identity, package.json, README, AGENTS.md and compose', async () => {
    const dir = fresh();
    // With the jobs feature, so the compose files keep a worker that connects too.
    setUp(dir, { ...baseAnswers, features: ['jobs'] }, renderOptions);
    const project = await importProject(dir);
    assert.equal(project.name, 'Acme Portal');
    assert.equal(project.slug, 'acme-portal');
    assert.equal(project.description, 'The portal for Acme customers.');
    assert.equal(project.organization, 'Acme Inc');
    assert.equal(project.contactEmail, 'ops@acme.example');
    assert.equal(project.domain, 'portal.acme.example');
    assert.equal(project.repository, 'https://github.com/acme/portal');
    const pkg = JSON.parse(read(dir, 'package.json'));
    assert.equal(pkg.name, 'acme-portal');
    assert.equal(pkg.description, 'The portal for Acme customers.');
    assert.equal(pkg.author, 'Acme Inc <ops@acme.example>');
    assert.equal(pkg.repository.url, 'git+https://github.com/acme/portal.git');
    assert.match(read(dir, 'README.md'), /^# Acme Portal\n\nThe portal for Acme customers\.\n/);
    assert.doesNotMatch(read(dir, 'README.md'), /<!-- template-only|Use this template|\n\n\n/);
    assert.match(
      read(dir, 'AGENTS.md'),
      /^This repository is \*\*Acme Portal\*\*: The portal for Acme customers\.$/m,
    );
    for (const file of ['compose.yml', 'compose.prod.yml']) {
      const compose = read(dir, file);
      assert.match(compose, /^name: acme-portal$/m, file);
      // Every service that connects (app and worker) uses the renamed database.
      const urls = compose.match(/MONGODB_URL: .*$/gm) ?? [];
      const before = read(rootDir, file).match(/MONGODB_URL: .*$/gm) ?? [];
      assert.equal(urls.length, before.length, file);
      for (const url of urls)
        assert.match(url, /^MONGODB_URL: mongodb:\/\/mongo:27017\/acme_portal(\?|$)/);
    }
    // The production stack runs the project's image and serves its domain.
    const prod = parseDocument(read(dir, 'compose.prod.yml'));
    // The app, and the worker where the project has the jobs feature.
    const appServices = ['app', 'worker'].filter((name) => prod.hasIn(['services', name]));
    assert.ok(appServices.includes('app'));
    for (const service of appServices) {
      assert.equal(
        prod.getIn(['services', service, 'image']),
        '${APP_IMAGE:-ghcr.io/acme/acme-portal:latest}',
      );
    }
    assert.equal(
      prod.getIn(['services', 'caddy', 'environment', 'DOMAIN']),
      '${DOMAIN:-portal.acme.example}',
    );
    // The Swarm stack's domain and single-node databases, and the Kubernetes production overlay.
    assert.equal(
      parseDocument(read(dir, 'deploy/swarm/stack.yml')).getIn([
        'services',
        'caddy',
        'environment',
        'DOMAIN',
      ]),
      '${DOMAIN:-portal.acme.example}',
    );
    for (const url of read(dir, 'deploy/swarm/stack.single-node.yml').match(/MONGODB_URL: .*$/gm) ??
      [])
      assert.match(url, /^MONGODB_URL: mongodb:\/\/mongo:27017\/acme_portal\?/);
    const overlay = 'deploy/kubernetes/overlays/production';
    const kustomization = parseDocument(read(dir, `${overlay}/kustomization.yaml`));
    assert.equal(kustomization.get('namespace'), 'acme-portal');
    assert.equal(kustomization.getIn(['images', 0, 'newName']), 'ghcr.io/acme/acme-portal');
    assert.equal(
      parseDocument(read(dir, `${overlay}/namespace.yaml`)).getIn(['metadata', 'name']),
      'acme-portal',
    );
    const ingress = parseDocument(read(dir, `${overlay}/ingress.yaml`));
    assert.equal(ingress.getIn(['spec', 'rules', 0, 'host']), 'portal.acme.example');
    assert.equal(ingress.getIn(['spec', 'tls', 0, 'hosts', 0]), 'portal.acme.example');
  });

  test('languages: adds copies marked for translation, removes the unchosen, sets the default', async () => {
    const dir = fresh();
    // New languages are copied from the chosen default when the tree has it, else from its own.
    const had = (lang: string) => new Tree(dir).exists(`locales/${lang}/common.json`);
    const source = had('fr') ? 'fr' : (await importProject(dir)).defaultLocale;
    const newLanguages = ['fr', 'ja'].filter((lang) => !had(lang));
    setUp(dir, { ...baseAnswers, languages: ['fr', 'ja'], defaultLanguage: 'fr' }, renderOptions);
    const project = await importProject(dir);
    assert.deepEqual(project.locales, ['fr', 'ja']);
    assert.equal(project.defaultLocale, 'fr');
    const folders = new Tree(dir).list('locales').map((p) => p.split('/')[1]);
    assert.deepEqual([...new Set(folders)].sort(), ['fr', 'ja']);
    for (const lang of newLanguages) {
      assert.match(
        read(dir, `locales/${lang}/NEEDS_TRANSLATION.md`),
        new RegExp(`still copies of \`locales/${source}/\``),
      );
      assert.match(read(dir, `locales/${lang}/NEEDS_TRANSLATION.md`), /^- `nav\.signIn`$/m);
    }
    for (const lang of ['fr', 'ja']) {
      const common = JSON.parse(read(dir, `locales/${lang}/common.json`));
      assert.deepEqual(common.languages, { fr: 'Français', ja: '日本語' });
    }
    // Each copy has the plural forms of its language: Japanese one, French three.
    const seconds = (lang: string) =>
      Object.keys(JSON.parse(read(dir, `locales/${lang}/home.json`)).status).filter((key) =>
        key.startsWith('seconds_'),
      );
    assert.deepEqual(seconds('ja'), ['seconds_other']);
    assert.deepEqual(seconds('fr'), ['seconds_one', 'seconds_many', 'seconds_other']);
  });

  test('state: answers, lock and configured, template-only files gone, workflows untouched', () => {
    const dir = fresh();
    const changes = setUp(dir, baseAnswers, renderOptions);
    assert.deepEqual(JSON.parse(read(dir, '.template/answers.json')), {
      schemaVersion: 1,
      answers: baseAnswers,
    });
    assert.deepEqual(JSON.parse(read(dir, '.template/lock.json')), {
      templateRepository: renderOptions.templateRepository,
      templateCommit: renderOptions.templateCommit,
      templateVersion: JSON.parse(read(dir, 'package.json')).version,
    });
    assert.deepEqual(JSON.parse(read(dir, '.template/state.json')), { configured: true });
    assert.ok(!new Tree(dir).exists('.github/ISSUE_TEMPLATE/setup.yml'));
    assert.ok(!new Tree(dir).exists('CHANGELOG.md'));
    assert.deepEqual(
      changes.filter((c) => c.path.startsWith('.github/workflows/')),
      [],
      'the GitHub path never writes or deletes a workflow file',
    );
  });

  test('the local CLI path deletes only the template-only workflows', () => {
    const dir = fresh();
    const changes = setUp(dir, baseAnswers, { ...renderOptions, deleteTemplateWorkflows: true });
    const workflowChanges = changes.filter((c) => c.path.startsWith('.github/workflows/'));
    for (const change of workflowChanges) {
      assert.equal(change.type, 'delete');
      assert.ok(TEMPLATE_WORKFLOWS.includes(change.path), change.path);
    }
  });

  test('hostile values stay inert text: in code, JSON, YAML and Markdown', async () => {
    const dir = fresh();
    const hostile: Answers = {
      ...baseAnswers,
      name: '$(id) `rm -rf /` "; process.exit(1); // ${x} \' <script>',
      description: 'Ünïcödé ✓ — it\'s "quoted" & <b>bold</b> \\ back',
      organization: '${{ github.token }}',
    };
    setUp(dir, hostile, renderOptions);
    const project = await importProject(dir);
    assert.equal(project.name, hostile.name);
    assert.equal(project.description, hostile.description);
    assert.equal(project.organization, hostile.organization);
    assert.equal(JSON.parse(read(dir, 'package.json')).description, hostile.description);
    assert.deepEqual(JSON.parse(read(dir, '.template/answers.json')).answers, hostile);
    assert.doesNotMatch(read(dir, 'README.md'), /<script>|<b>/);
  });

  test("security review 9: $', $` and $& in answers are written as they are, never as replacement patterns", async () => {
    const dir = fresh();
    const readmeBefore = read(dir, 'README.md');
    const answers: Answers = {
      ...baseAnswers,
      name: "Acme $' Co",
      description: 'Costs $` and $& and $1 and $$ nothing.',
    };
    setUp(dir, answers, renderOptions);
    const readme = read(dir, 'README.md');
    // Markdown gets & as &#38; (rename.ts): the rest as typed.
    assert.ok(readme.startsWith(`# Acme $' Co\n\nCosts $\` and $&#38; and $1 and $$ nothing.\n`));
    assert.ok(readme.length < readmeBefore.length + 200, 'nothing of the file copied in');
    const agents = read(dir, 'AGENTS.md');
    assert.match(
      agents,
      /^This repository is \*\*Acme \$' Co\*\*: Costs \$` and \$&#38; and \$1 and \$\$ nothing\.$/m,
    );
    assert.equal(agents.match(/^This repository is /gm)?.length, 1);
    const project = await importProject(dir);
    assert.equal(project.name, answers.name);
    assert.equal(project.description, answers.description);
  });

  test('deterministic and idempotent: same tree and answers give the same bytes, twice = once', () => {
    const once = fresh();
    const again = fresh();
    setUp(once, baseAnswers, renderOptions);
    setUp(again, baseAnswers, renderOptions);
    assert.deepEqual(snapshot(again), snapshot(once), 'two renders are byte for byte equal');
    // Running the whole setup a second time over its own output changes nothing.
    setUp(again, baseAnswers, renderOptions, { rerun: true });
    assert.deepEqual(snapshot(again), snapshot(once), 'twice = once');
  });

  test('a configured project is refused, and a failing codemod leaves the tree untouched', () => {
    const dir = fresh();
    const before = snapshot(dir);
    const broken = { ...baseAnswers, features: ['no-such-feature'] };
    writeFileSync(
      join(dir, 'src/project.ts'),
      read(dir, 'src/project.ts').replace(/\n\s*slug: .*\n/, '\n'),
    );
    const withoutSlug = snapshot(dir);
    assert.throws(() => setUp(dir, broken, renderOptions), /slug/);
    assert.deepEqual(snapshot(dir), withoutSlug, 'nothing was written');
    assert.notDeepEqual(before, withoutSlug);

    const configured = fresh();
    setUp(configured, baseAnswers, renderOptions);
    assert.throws(() => setUp(configured, baseAnswers, renderOptions), {
      name: 'AlreadyConfiguredError',
    });
  });
});

describe('removing a feature', () => {
  // A feature that touches everything a feature can touch, added to a fresh copy.
  function withFeature() {
    const dir = fresh();
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write(
      'src/features/widgets/feature.json',
      JSON.stringify({
        name: 'widgets',
        label: 'Widgets (demo)',
        removable: true,
        paths: ['src/widgets-worker.ts'],
        localeNamespaces: ['widgets'],
        dependencies: ['yaml'],
        scripts: ['widgets'],
        composeServices: ['widget-worker'],
      }),
    );
    write(
      'src/features/widgets/index.ts',
      "import { defineFeature } from '../../core/app/feature.ts';\nexport const widgets = defineFeature({ name: 'widgets' });\n",
    );
    write(
      'src/widgets-worker.ts',
      "import { widgets } from './features/widgets/index.ts';\nconsole.log(widgets);\n",
    );
    const languages = new Set(new Tree(dir).list('locales').map((p) => p.split('/')[1]));
    for (const lang of languages) write(`locales/${lang}/widgets.json`, '{ "title": "Widgets" }\n');
    const index = read(dir, 'src/features/index.ts')
      .replace(
        "import { home } from './home/index.ts';",
        "import { home } from './home/index.ts';\nimport { widgets } from './widgets/index.ts';",
      )
      .replace(/features: Feature\[\] = \[/, 'features: Feature[] = [widgets, ');
    write('src/features/index.ts', index);
    const pkg = JSON.parse(read(dir, 'package.json'));
    pkg.scripts.widgets = 'node src/widgets-worker.ts';
    write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    write(
      'compose.yml',
      read(dir, 'compose.yml')
        .replace(
          '\n  mongo:\n',
          '\n  widget-worker:\n    image: busybox\n    depends_on: [mongo]\n\n  mongo:\n',
        )
        .replace(
          '      mongo:\n        condition: service_healthy\n',
          '      mongo:\n        condition: service_healthy\n      widget-worker:\n        condition: service_started\n',
        ),
    );
    write(
      'compose.prod.yml',
      read(dir, 'compose.prod.yml').replace(
        '\nvolumes:\n',
        '\n  # feature:widgets\n  # Widgets need no service here.\n  # /feature:widgets\n\nvolumes:\n',
      ),
    );
    write(
      'README.md',
      `${read(dir, 'README.md')}\n<!-- feature:widgets -->\n## Widgets\n\nAbout widgets.\n<!-- /feature:widgets -->\n`,
    );
    return dir;
  }

  test('deletes its folder, paths, locales, registration, dependencies, scripts, services, config and docs', () => {
    const dir = withFeature();
    assert.ok(readManifests(new Tree(dir)).some((m) => m.name === 'widgets'));
    const localeFiles = new Tree(dir).list('locales').filter((p) => p.endsWith('/widgets.json'));
    assert.ok(localeFiles.length > 0);
    setUp(dir, { ...baseAnswers, features: [] }, renderOptions);
    const tree = new Tree(dir);
    for (const gone of ['src/features/widgets/index.ts', 'src/widgets-worker.ts', ...localeFiles]) {
      assert.ok(!tree.exists(gone), `${gone} is gone`);
    }
    assert.doesNotMatch(read(dir, 'src/features/index.ts'), /widgets/);
    assert.match(read(dir, 'src/features/index.ts'), /\[\s*home\b/);
    const pkg = JSON.parse(read(dir, 'package.json'));
    assert.equal(pkg.dependencies.yaml, undefined);
    assert.equal(pkg.scripts.widgets, undefined);
    assert.doesNotMatch(read(dir, 'compose.yml'), /widget-worker/);
    assert.match(read(dir, 'compose.yml'), /^ {2}mongo:$/m, 'other services stay');
    assert.doesNotMatch(read(dir, 'compose.prod.yml'), /widgets/i);
    assert.match(read(dir, 'compose.prod.yml'), /^volumes:$/m);
    assert.doesNotMatch(read(dir, 'README.md'), /Widgets|feature:widgets|\n\n\n/);
  });

  test('the jobs feature takes the worker out of the Swarm stack and the Kubernetes manifests', () => {
    const dir = fresh();
    setUp(dir, { ...baseAnswers, features: [] }, renderOptions);
    const tree = new Tree(dir);
    for (const file of ['deploy/swarm/stack.yml', 'deploy/swarm/stack.single-node.yml']) {
      assert.doesNotMatch(read(dir, file), /^ {2}worker:$/m, `${file} has no worker`);
      assert.match(read(dir, file), /^ {2}app:$/m);
    }
    assert.ok(!tree.exists('deploy/kubernetes/base/worker.yaml'));
    assert.doesNotMatch(read(dir, 'deploy/kubernetes/base/kustomization.yaml'), /worker\.yaml/);
    assert.doesNotMatch(
      read(dir, 'deploy/kubernetes/overlays/production/kustomization.yaml'),
      /worker\.yaml|patches:/,
    );
    const build = spawnSync(
      'bash',
      [join(dir, 'scripts/kubernetes.sh'), 'build', 'deploy/kubernetes/overlays/production'],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(build.status, 0, build.stderr);
    assert.match(build.stdout, /kind: Deployment/);
    assert.doesNotMatch(build.stdout, /name: worker/);
  });

  test('keeps it when the answers keep it', () => {
    const dir = withFeature();
    setUp(dir, { ...baseAnswers, features: ['widgets'] }, renderOptions);
    assert.match(read(dir, 'src/features/index.ts'), /widgets/);
    assert.ok(new Tree(dir).exists('src/features/widgets/index.ts'));
  });

  test('refuses, writing nothing, when code outside the feature still imports it', () => {
    const dir = withFeature();
    writeFileSync(
      join(dir, 'src/app-extra.ts'),
      "export { widgets } from './features/widgets/index.ts';\n",
    );
    const before = snapshot(dir);
    assert.throws(
      () => setUp(dir, { ...baseAnswers, features: [] }, renderOptions),
      /src\/app-extra\.ts imports/,
    );
    assert.deepEqual(snapshot(dir), before);
  });
});
