import { type Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Answers } from './answers.ts';
import type { Codemod } from './engine.ts';
import { projectObject, setProperty } from './project-file.ts';
import type { Tree } from './tree.ts';

// Markdown is rendered by GitHub; a name must read as text there, never as markup.
const markdownText = (value: string) => value.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

// Renames the template into the project: its identity file, package.json, README, compose and
// AGENTS.md. Everything else (views, emails, logs) reads src/project.ts.
export const rename: Codemod = {
  name: 'rename',
  describe: (answers) => `${answers.name} (${answers.slug})`,
  run({ tree, answers, sourceFile }) {
    const project = projectObject(sourceFile('src/project.ts'));
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
        `# ${markdownText(answers.name)}\n\n${markdownText(answers.description)}\n`,
      ),
    );

    // AGENTS.md: the line that says which project this is.
    const agents = tree.require('AGENTS.md');
    tree.write(
      'AGENTS.md',
      agents.replace(
        /^This repository is \*\*.*\*\*: .*$/m,
        `This repository is **${markdownText(answers.name)}**: ${markdownText(answers.description)}`,
      ),
    );

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
          doc.setIn(path, url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`));
        }
      }
      // The stack's image is the deploy's to name (`${APP_IMAGE:?...}`): only its domain changes.
      if (file === 'compose.prod.yml' || file === stacks[0]) setDeployTarget(doc, answers);
      tree.write(file, doc.toString());
    }
    setKubernetesTarget(tree, answers);
  },
};

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
    doc.setIn(path, current.replace(/^\$\{(\w+):-[^}]*\}$/, `\${$1:-${value}}`));
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
