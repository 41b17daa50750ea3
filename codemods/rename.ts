import { type Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Answers } from './answers.ts';
import type { Codemod } from './engine.ts';
import { getProperty, projectObject, setProperty } from './project-file.ts';
import type { Tree } from './tree.ts';

// Answers go in through replacer functions, never replacement strings: in those, `$&`, `$'` and
// `` $` `` in a name would copy parts of the file into it.
// Markdown is rendered by GitHub; a name must read as text there, never as markup.
const markdownText = (value: string) => value.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

// Renames the template into the project: its identity file, package.json, README, compose,
// AGENTS.md, LICENSE and the contact in SECURITY.md and CODE_OF_CONDUCT.md. Everything else
// (views, emails, logs) reads src/project.ts.
export const rename: Codemod = {
  name: 'rename',
  describe: (answers) => `${answers.name} (${answers.slug})`,
  run({ tree, answers, sourceFile }) {
    const project = projectObject(sourceFile('src/project.ts'));
    const previousEmail = getProperty(project, 'contactEmail') as string;
    setProperty(project, 'name', answers.name);
    setProperty(project, 'slug', answers.slug);
    setProperty(project, 'description', answers.description);
    setProperty(project, 'organization', answers.organization);
    setProperty(project, 'contactEmail', answers.contactEmail);
    setProperty(project, 'domain', answers.domain ?? '');
    setProperty(
      project,
      'repository',
      answers.repository ? `https://github.com/${answers.repository}` : '',
    );

    const pkg = JSON.parse(tree.require('package.json'));
    pkg.name = answers.slug;
    pkg.description = answers.description;
    pkg.author = `${answers.organization} <${answers.contactEmail}>`;
    if (answers.repository) {
      pkg.repository = { type: 'git', url: `git+https://github.com/${answers.repository}.git` };
    }
    tree.write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);

    // README: the title and the paragraph under it.
    const readme = tree.require('README.md');
    tree.write(
      'README.md',
      readme.replace(
        /^# .*\n\n(?:[^\n]+\n)+/,
        () => `# ${markdownText(answers.name)}\n\n${markdownText(answers.description)}\n`,
      ),
    );

    // AGENTS.md: the line that says which project this is.
    const agents = tree.require('AGENTS.md');
    tree.write(
      'AGENTS.md',
      agents.replace(
        /^This repository is \*\*.*\*\*: .*$/m,
        () =>
          `This repository is **${markdownText(answers.name)}**: ${markdownText(answers.description)}`,
      ),
    );

    // LICENSE: the project's owner holds its copyright; the template's notice stays, as the MIT
    // license asks of every copy of its code.
    const license = tree.read('LICENSE');
    if (license !== undefined) {
      tree.write(
        'LICENSE',
        license.replace(
          /^(Copyright \(c\) .*\n)+/m,
          `Copyright (c) ${answers.organization}\n${TEMPLATE_NOTICE} (the template this project started from)\n`,
        ),
      );
    }
    // Where to report a vulnerability or a breach of the code of conduct.
    for (const file of ['SECURITY.md', 'CODE_OF_CONDUCT.md']) {
      const text = tree.read(file);
      if (text !== undefined)
        tree.write(file, text.replaceAll(`**${previousEmail}**`, `**${answers.contactEmail}**`));
    }

    // Compose files: the project name (container and volume prefix) and the database every
    // service (app, worker) connects to. The Swarm stack files have no project name (the stack's
    // is a host setting): their databases and the domain Caddy serves.
    const database = answers.slug.replaceAll('-', '_');
    const stacks = ['deploy/swarm/stack.yml', 'deploy/swarm/stack.single-node.yml'];
    for (const file of ['compose.yml', 'compose.prod.yml', ...stacks]) {
      const text = tree.read(file);
      if (text === undefined) continue;
      const doc = parseDocument(text);
      if (file.startsWith('compose')) doc.set('name', answers.slug);
      const services = doc.get('services');
      for (const { key } of isMap(services) ? services.items : []) {
        const path = [
          'services',
          String(isScalar(key) ? key.value : key),
          'environment',
          'MONGODB_URL',
        ];
        const url = doc.getIn(path);
        if (typeof url === 'string') {
          doc.setIn(
            path,
            url.replace(/\/[^/?]*(\?|$)/, (_, end: string) => `/${database}${end}`),
          );
        }
      }
      // The stack's image is the deploy's to name (`${APP_IMAGE:?...}`): only its domain changes.
      if (file === 'compose.prod.yml' || file === stacks[0]) setDeployTarget(doc, answers);
      tree.write(file, doc.toString());
    }
    setKubernetesTarget(tree, answers);
  },
};

const TEMPLATE_NOTICE = 'Copyright (c) The Groundwork authors';

// The Kubernetes production overlay: the project's image, a namespace named after it, and the
// domain its Ingress serves.
function setKubernetesTarget(tree: Tree, answers: Answers) {
  const overlay = 'deploy/kubernetes/overlays/production';
  const edit = (file: string, change: (doc: Document) => void) => {
    const text = tree.read(`${overlay}/${file}`);
    if (text === undefined) return;
    const doc = parseDocument(text);
    change(doc);
    tree.write(`${overlay}/${file}`, doc.toString());
  };
  edit('kustomization.yaml', (doc) => {
    doc.set('namespace', answers.slug);
    const images = doc.get('images');
    for (const image of isSeq(images) ? images.items : []) {
      if (!isMap(image)) continue;
      const current = String(image.get('newName') ?? '');
      const owner =
        answers.repository?.split('/')[0]?.toLowerCase() ??
        /^ghcr\.io\/([^/]+)\//.exec(current)?.[1];
      if (owner) image.set('newName', `ghcr.io/${owner}/${answers.slug}`);
    }
  });
  edit('namespace.yaml', (doc) => doc.setIn(['metadata', 'name'], answers.slug));
  const { domain } = answers;
  if (domain) {
    edit('ingress.yaml', (doc) => {
      doc.setIn(['spec', 'tls', 0, 'hosts'], doc.createNode([domain], { flow: true }));
      doc.setIn(['spec', 'rules', 0, 'host'], domain);
    });
  }
}

// compose.prod.yml: the image the app and worker run (the release workflow pushes it to
// ghcr.io/<owner>/<slug>) and the domain Caddy serves. Each stays a default the host's .env can
// override, so the value is written inside its `${VAR:-default}`.
function setDeployTarget(doc: Document, answers: Answers) {
  const withDefault = (path: string[], value: string) => {
    const current = doc.getIn(path);
    if (typeof current !== 'string') return;
    doc.setIn(
      path,
      current.replace(/^\$\{(\w+):-[^}]*\}$/, (_, name: string) => `\${${name}:-${value}}`),
    );
  };
  for (const service of ['app', 'worker']) {
    const path = ['services', service, 'image'];
    const current = doc.getIn(path);
    if (typeof current !== 'string') continue;
    // Without a repository answer the owner stays; GHCR names are lowercase.
    const owner =
      answers.repository?.split('/')[0]?.toLowerCase() ?? /ghcr\.io\/([^/]+)\//.exec(current)?.[1];
    if (owner) withDefault(path, `ghcr.io/${owner}/${answers.slug}:latest`);
  }
  if (answers.domain) withDefault(['services', 'caddy', 'environment', 'DOMAIN'], answers.domain);
}
