// The Kubernetes manifests (deploy/kubernetes/) build with kustomize and validate, strictly,
// against the Kubernetes API schemas of the oldest and newest supported versions
// (scripts/kubernetes.sh), and say what docs/decisions/0141 promises. Validated only: no cluster
// runs them here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { rootDir } from '../../src/core/config/paths.ts';

type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read by the assertions below
  spec?: any;
};

const dir = mkdtempSync(join(tmpdir(), 'groundwork-kubernetes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function script(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('bash', [join(rootDir, 'scripts/kubernetes.sh'), ...args], {
    cwd: rootDir,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, output: result.stdout + result.stderr };
}

function build(overlay: string) {
  const result = script(['build', `deploy/kubernetes/${overlay}`]);
  assert.equal(result.status, 0, result.output);
  const file = join(dir, `${overlay.replaceAll('/', '-')}.yaml`);
  writeFileSync(file, result.stdout);
  const manifests = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Manifest);
  return { file, manifests };
}

const find = (manifests: Manifest[], kind: string, name: string) => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind}/${name} is in the manifests`);
  return found;
};

// "≤ 120 MB" in the row of bench/README.md's table of measures.
function benchBudgetMb(row: string) {
  const line = readFileSync(join(rootDir, 'bench/README.md'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`| ${row} `));
  const mb = /≤ (\d+) MB/.exec(line ?? '')?.[1];
  assert.ok(mb, `bench/README.md has a budget for "${row}"`);
  return Number(mb);
}
const mebibytes = (quantity: string) => {
  const match = /^(\d+)Mi$/.exec(quantity);
  assert.ok(match, `${quantity} is in Mi`);
  return (Number(match[1]) * 2 ** 20) / 1e6;
};

describe('Kubernetes manifests', () => {
  const base = build('base');
  const production = build('overlays/production');
  // Setup renames these (codemods/rename.ts): read them rather than the template's values.
  const overlay = parse(
    readFileSync(join(rootDir, 'deploy/kubernetes/overlays/production/kustomization.yaml'), 'utf8'),
  );
  const [image] = overlay.images;

  test('both build and validate against the Kubernetes schemas', () => {
    const result = script(['validate', base.file, production.file]);
    assert.equal(result.status, 0, result.output);
  });

  test('the validation is strict: a misspelt field fails', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(production.file, 'utf8').replace('maxSurge:', 'maxSurg:'));
    const result = script(['validate', bad], { KUBERNETES_VERSIONS: '1.37.0' });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /maxSurg/);
  });

  test('app and worker: probes, rolling updates, non-root, secrets from the Secret', () => {
    const compose = parse(readFileSync(join(rootDir, 'compose.prod.yml'), 'utf8'));
    // The worker is the jobs feature's, and leaves with it.
    const withWorker = existsSync(join(rootDir, 'deploy/kubernetes/base/worker.yaml'));
    const processes = withWorker
      ? [['app', 3000] as const, ['worker', 3001] as const]
      : [['app', 3000] as const];
    for (const [name, port] of processes) {
      const deployment = find(production.manifests, 'Deployment', name);
      const { spec } = deployment;
      assert.deepEqual(spec.strategy, {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
      const pod = spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.automountServiceAccountToken, false);
      const [container] = pod.containers;
      assert.equal(container.image, `${image.newName}:${image.newTag}`);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
      assert.equal(container.ports[0].containerPort, port);
      assert.equal(container.livenessProbe.httpGet.path, '/health/live');
      assert.equal(container.readinessProbe.httpGet.path, '/health/ready');
      assert.deepEqual(container.envFrom, [{ secretRef: { name: 'groundwork-env' } }]);
      for (const { name: variable } of container.env) {
        assert.doesNotMatch(variable, /SECRET|PASSWORD|TOKEN|_URL$/, `${variable} is not inline`);
      }
      assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
      if (name === 'worker') assert.deepEqual(container.command, compose.services.worker.command);
      const budget = find(production.manifests, 'PodDisruptionBudget', name);
      assert.deepEqual(budget.spec.selector, spec.selector);
    }
    assert.equal(find(production.manifests, 'Deployment', 'app').spec.replicas, 3);
    if (withWorker)
      assert.equal(find(production.manifests, 'Deployment', 'worker').spec.replicas, 2);
  });

  test("the app's memory request and limit follow the bench's budgets", () => {
    const app = find(production.manifests, 'Deployment', 'app');
    const { requests, limits } = app.spec.template.spec.containers[0].resources;
    assert.ok(mebibytes(requests.memory) >= benchBudgetMb('RSS idle'));
    assert.ok(mebibytes(limits.memory) >= benchBudgetMb('RSS sustained'));
  });

  test('production runs in its own namespace under the restricted Pod Security Standard', () => {
    const namespace = find(production.manifests, 'Namespace', overlay.namespace);
    assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    for (const m of production.manifests.filter((m) => m.kind !== 'Namespace')) {
      assert.equal(m.metadata.namespace, overlay.namespace);
    }
  });
});
