import { posix } from 'node:path';
import { Node, SyntaxKind } from 'ts-morph';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Codemod, CodemodContext } from './engine.ts';
import { type FeatureManifest, featureManifestSchema } from './manifest.ts';
import type { Tree } from './tree.ts';

const FEATURES_DIR = 'src/features';
/** The Docker Swarm stack files: the services of compose.prod.yml, for `deploy --target swarm`. */
const SWARM_STACK = ['deploy/swarm/stack.yml', 'deploy/swarm/stack.single-node.yml'];

/** A manifest with where it was found. A part (src/features/<family>/<part>/) names its family. */
export type Feature = FeatureManifest & { dir: string; family?: string };

/** Every feature's manifest, sorted by name. A broken manifest is an error naming its file. */
export function readManifests(tree: Tree): Feature[] {
  const manifests: Feature[] = [];
  for (const path of tree
    .list(FEATURES_DIR)
    .filter((p) => /^src\/features\/[^/]+\/([^/]+\/)?feature\.json$/.test(p))) {
    const result = featureManifestSchema.safeParse(JSON.parse(tree.require(path)));
    if (!result.success) {
      throw new Error(
        `${path}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const [, , folder, part] = path.split('/');
    const family = part === 'feature.json' ? undefined : folder;
    // A part is named after its family and its folder: src/features/oauth/github is oauth-github.
    const expected = family ? `${family}-${part}` : folder;
    if (result.data.name !== expected)
      throw new Error(`${path}: name "${result.data.name}" must be "${expected}"`);
    manifests.push({ ...result.data, dir: posix.dirname(path), ...(family ? { family } : {}) });
  }
  return manifests.sort((a, b) => a.name.localeCompare(b.name));
}

const isFamily = (feature: Feature, all: Feature[]) => all.some((f) => f.family === feature.name);

/** What setup offers to remove: removable features and parts; a family is no choice of its own. */
export const removableFeatures = (tree: Tree) => {
  const all = readManifests(tree);
  return all.filter((m) => m.removable && !isFamily(m, all));
};

/** The features that keeping only `kept` removes: the others offered, then each family whose
 * every part goes (the OAuth flow leaves with its last provider). */
export function removedFeatures(tree: Tree, kept: readonly string[]): Feature[] {
  const all = readManifests(tree);
  const removed = all.filter((m) => m.removable && !isFamily(m, all) && !kept.includes(m.name));
  const families = all.filter(
    (m) =>
      m.removable &&
      isFamily(m, all) &&
      all.filter((part) => part.family === m.name).every((part) => removed.includes(part)),
  );
  return [...removed, ...families];
}

// Removes every removable feature the answers do not keep (decision 0010).
export const removeFeatures: Codemod = {
  name: 'features',
  describe: (answers) =>
    `keep ${answers.features.length > 0 ? answers.features.join(', ') : 'no optional features'}`,
  run(context) {
    const removed = removedFeatures(context.tree, context.answers.features);
    for (const manifest of removed) removeFeature(context, manifest);
    if (removed.length > 0) assertNothingImports(context, removed);
  },
};

function removeFeature({ tree, sourceFile }: CodemodContext, manifest: Feature) {
  const { name, dir } = manifest;
  tree.delete(dir);
  for (const path of manifest.paths) tree.delete(path);
  dropKustomizeEntries(tree, manifest.paths);
  for (const ns of manifest.localeNamespaces) {
    for (const file of tree.list('locales').filter((p) => p.endsWith(`/${ns}.json`)))
      tree.delete(file);
  }

  // src/features/index.ts: the import and the array entry.
  const index = sourceFile(`${FEATURES_DIR}/index.ts`);
  for (const declaration of index.getImportDeclarations()) {
    if (declaration.getModuleSpecifierValue() !== `./${posix.relative(FEATURES_DIR, dir)}/index.ts`)
      continue;
    const identifiers = declaration
      .getNamedImports()
      .map((i) => i.getAliasNode()?.getText() ?? i.getName());
    for (const element of index
      .getDescendantsOfKind(SyntaxKind.ArrayLiteralExpression)
      .flatMap((a) => a.getElements())) {
      if (Node.isIdentifier(element) && identifiers.includes(element.getText())) {
        element.getParentIfKindOrThrow(SyntaxKind.ArrayLiteralExpression).removeElement(element);
      }
    }
    declaration.remove();
  }

  // package.json: dependencies and scripts.
  if (
    manifest.dependencies.length + manifest.devDependencies.length + manifest.scripts.length >
    0
  ) {
    const pkg = JSON.parse(tree.require('package.json'));
    for (const dep of manifest.dependencies) delete pkg.dependencies?.[dep];
    for (const dep of manifest.devDependencies) delete pkg.devDependencies?.[dep];
    for (const script of manifest.scripts) {
      delete pkg.scripts?.[script];
      delete pkg['scripts-info']?.[script]; // its line in `npm run help`
    }
    tree.write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  }

  // compose files: the services, other services' depends_on entries naming them, and comment
  // blocks about the feature (# feature:name ... # /feature:name, whole lines).
  const commentBlock = new RegExp(
    `^[ \\t]*# feature:${name}\\n[\\s\\S]*?^[ \\t]*# /feature:${name}\\n(?:[ \\t]*\\n)*`,
    'gm',
  );
  for (const file of ['compose.yml', 'compose.prod.yml', ...SWARM_STACK]) {
    const text = tree.read(file);
    if (text === undefined) continue;
    if (text.includes(`# feature:${name}\n`)) tree.write(file, text.replace(commentBlock, ''));
    if (manifest.composeServices.length === 0) continue;
    const doc = parseDocument(tree.require(file));
    const services = doc.get('services');
    if (!isMap(services)) continue;
    for (const removedService of manifest.composeServices) {
      services.delete(removedService);
      for (const { value: service } of services.items) {
        if (!isMap(service)) continue;
        const dependsOn = service.get('depends_on');
        if (isMap(dependsOn)) dependsOn.delete(removedService);
        if (isSeq(dependsOn)) {
          dependsOn.items = dependsOn.items.filter(
            (item) => !(isScalar(item) && item.value === removedService),
          );
        }
        if ((isMap(dependsOn) || isSeq(dependsOn)) && dependsOn.items.length === 0)
          service.delete('depends_on');
      }
    }
    tree.write(file, doc.toString());
  }

  // Markdown sections <!-- feature:name --> ... <!-- /feature:name -->, wherever they are.
  const section = new RegExp(
    `<!-- feature:${name} -->[\\s\\S]*?<!-- /feature:${name} -->\\n*`,
    'g',
  );
  for (const file of tree.list().filter((p) => p.endsWith('.md'))) {
    const text = tree.require(file);
    if (text.includes(`<!-- feature:${name} -->`)) tree.write(file, text.replace(section, ''));
  }
}

// kustomization.yaml files: `resources` and `patches` entries naming a removed file, which
// kustomize would fail to read (the worker's manifests leave with the jobs feature).
function dropKustomizeEntries(tree: Tree, removedPaths: string[]) {
  for (const file of tree.list('deploy').filter((p) => p.endsWith('/kustomization.yaml'))) {
    const dir = posix.dirname(file);
    const removed = (entry: unknown) =>
      typeof entry === 'string' && removedPaths.includes(posix.join(dir, entry));
    const doc = parseDocument(tree.require(file));
    let changed = false;
    for (const key of ['resources', 'patches']) {
      const list = doc.get(key);
      if (!isSeq(list)) continue;
      const kept = list.items.filter((item) => {
        const path = isScalar(item) ? item.value : isMap(item) ? item.get('path') : undefined;
        return !removed(path);
      });
      if (kept.length === list.items.length) continue;
      changed = true;
      if (kept.length === 0) doc.delete(key);
      else list.items = kept;
    }
    if (changed) tree.write(file, doc.toString());
  }
}

// After removal nothing may still import from a removed folder: a leftover import would break the
// build, so fail here with the files to fix rather than in the project's CI.
function assertNothingImports({ tree, sourceFile }: CodemodContext, removed: Feature[]) {
  const folders = removed.map((m) => `${m.dir}/`);
  const offenders: string[] = [];
  for (const path of tree.list().filter((p) => /\.(ts|tsx|mts)$/.test(p))) {
    const file = sourceFile(path);
    const specifiers = [
      ...file.getImportDeclarations().map((d) => d.getModuleSpecifierValue()),
      ...file.getExportDeclarations().map((d) => d.getModuleSpecifierValue() ?? ''),
    ];
    for (const specifier of specifiers) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(path), specifier));
      const folder = folders.find((f) => `${target}/`.startsWith(f) || target.startsWith(f));
      if (folder) offenders.push(`${path} imports ${specifier}`);
    }
  }
  if (offenders.length > 0) {
    throw new Error(`Removed features are still imported:\n  ${offenders.join('\n  ')}`);
  }
}
