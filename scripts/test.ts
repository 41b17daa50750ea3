// `npm test`: the everyday run of every check CI runs, in order: build the assets, lint and
// format, type-check, the unit/integration/infra tests (node:test) and the browser tests
// (Playwright). `npm run test:all` (what CI runs) adds the slow suites: the setup matrix, the
// Docker end-to-end suite, and any other suite listed in `slow` below. Every step runs even when
// an earlier one fails, so one run shows everything that is wrong. Arguments name the steps to
// run (`unit`, `e2e`, `matrix`, `docker`...).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, globSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { rootDir } from '../src/core/config/paths.ts';

const argv = process.argv.slice(2);
const all = argv.includes('--all');
const only = argv.filter((arg) => !arg.startsWith('-'));

const results = join(rootDir, 'test-results');
mkdirSync(results, { recursive: true });
const bin = (name: string) => join(rootDir, 'node_modules', '.bin', name);

type Step = { id: string; name: string; command: string; args: string[] };
const node = process.execPath;
// Test files run side by side: most of their time is spent waiting (for servers, Redis, the
// database), so one more than the cores keeps the machine busy. Each uses its own database, queue
// names, ports and copies of the project.
const nodeTest = (report: string, files: string[]) => [
  '--test',
  `--test-concurrency=${availableParallelism() + 1}`,
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=junit',
  `--test-reporter-destination=${join(results, report)}`,
  ...files,
];
// Slow suites that node:test runs: in `slow` below, not in the everyday run.
const matrix = 'tests/matrix/setup-matrix.test.ts';
const freshClone = 'tests/infra/fresh-clone.test.ts';
// Several app and worker processes behind a Caddy built on first use (tests/scale/).
const scaleOut = globSync('tests/scale/*.test.ts', { cwd: rootDir }).sort();
const testFiles = globSync(['tests/**/*.test.ts', 'src/**/*.test.ts', 'codemods/**/*.test.ts'], {
  cwd: rootDir,
})
  .filter((file) => file !== matrix && file !== freshClone && !scaleOut.includes(file))
  .sort();
// One test file as a step, or none where the file is gone (node --test without files runs all).
const suite = (id: string, name: string, file: string): Step[] =>
  existsSync(join(rootDir, file))
    ? [{ id, name, command: node, args: nodeTest(`${id}.xml`, [file]) }]
    : [];

const everyday: Step[] = [
  { id: 'assets', name: 'build assets', command: node, args: ['scripts/build-assets.ts'] },
  { id: 'lint', name: 'lint + format', command: bin('biome'), args: ['check', '.'] },
  { id: 'types', name: 'type-check', command: bin('tsc'), args: ['--noEmit'] },
  {
    id: 'unit',
    name: 'unit, integration, infra',
    command: node,
    args: nodeTest('node.xml', testFiles),
  },
  { id: 'e2e', name: 'browser (Playwright)', command: bin('playwright'), args: ['test'] },
];
// The slow suites: `npm run test:all` and CI only.
const slow: Step[] = [
  ...suite('fresh', 'fresh clone on an older Node', freshClone),
  ...suite('matrix', 'setup matrix', matrix),
  ...(scaleOut.length > 0
    ? [
        {
          id: 'scale',
          name: 'scale-out (Caddy, several processes)',
          command: node,
          args: nodeTest('scale.xml', scaleOut),
        },
      ]
    : []),
  // The Docker end-to-end suite (`npm run test:docker`): installs and starts its tools itself
  // (docs/decisions/0053).
  { id: 'docker', name: 'Docker end to end', command: node, args: ['scripts/test-docker.ts'] },
];
const known = [...everyday, ...slow];
const unknown = only.filter((id) => !known.some((step) => step.id === id));
if (unknown.length > 0) {
  console.error(`unknown step ${unknown.join(', ')}: use ${known.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
const steps =
  only.length > 0 ? known.filter((step) => only.includes(step.id)) : all ? known : everyday;

// Without MONGODB_URL, start the local test services (scripts/services.sh installs what is missing,
// cached under ~/.cache/groundwork) and take the settings it prints.
if (!process.env.MONGODB_URL) {
  console.log('MONGODB_URL is not set: starting the test services with scripts/services.sh up');
  const services = spawnSync('bash', [join(rootDir, 'scripts/services.sh'), 'up'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (services.status !== 0) {
    console.error(
      [
        '',
        'The test services could not be started (see above). The tests need, on any machine:',
        '  MONGODB_URL    a MongoDB-wire server, e.g. mongodb://127.0.0.1:27017/groundwork_test',
        '                 (docker run -d -p 27017:27017 mongo:8)',
        '  REDIS_URL      a Redis, e.g. redis://127.0.0.1:6379 (docker run -d -p 6379:6379 redis:7)',
        '  CHROMIUM_PATH  a Chromium binary, or run: npx playwright install chromium',
        '  S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY  an S3-compatible server and its',
        '                 keys, e.g. MinIO (the storage tests; skipped without it, except in CI)',
        '  ACTIONLINT, ZIZMOR  paths to actionlint and zizmor (the workflow lint)',
        'Set them (in the environment) and run npm test again.',
      ].join('\n'),
    );
    process.exit(2);
  }
  for (const [, name, value] of services.stdout.matchAll(/^export (\w+)="(.*)"$/gm)) {
    if (name && value !== undefined)
      process.env[name] = value.replace('$PATH', process.env.PATH ?? '');
  }
}

function run(command: string, args: string[]) {
  return new Promise<number>((resolve) => {
    const child = spawn(command, args, { cwd: rootDir, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (error) => {
      console.error(error.message);
      resolve(1);
    });
  });
}

const junitReports = ['node.xml', 'fresh.xml', 'matrix.xml'];
// Reports of an earlier run would be counted as this one's.
for (const report of [...junitReports, 'e2e.json']) rmSync(join(results, report), { force: true });

const outcomes: Array<{ name: string; ok: boolean; seconds: number }> = [];
for (const step of steps) {
  console.log(`\n=== ${step.name} ===`);
  const started = performance.now();
  const code = await run(step.command, step.args);
  outcomes.push({ name: step.name, ok: code === 0, seconds: (performance.now() - started) / 1000 });
}

// Test counts from the reporters' files, for one closing line over both runners.
function counts() {
  let passed = 0;
  let failed = 0;
  for (const report of junitReports) {
    const junit = join(results, report);
    if (!existsSync(junit)) continue;
    const xml = readFileSync(junit, 'utf8');
    const cases = xml.match(/<testcase\b/g)?.length ?? 0;
    const failures = xml.match(/<testcase\b[^>]*>\s*<failure\b/g)?.length ?? 0;
    passed += cases - failures;
    failed += failures;
  }
  const e2e = join(results, 'e2e.json');
  if (existsSync(e2e)) {
    const { stats } = JSON.parse(readFileSync(e2e, 'utf8'));
    passed += (stats?.expected ?? 0) + (stats?.flaky ?? 0);
    failed += stats?.unexpected ?? 0;
  }
  return { passed, failed };
}

console.log('\n=== summary ===');
for (const { name, ok, seconds } of outcomes) {
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name.padEnd(28)} ${seconds.toFixed(1)} s`);
}
const { passed, failed } = counts();
const failedSteps = outcomes.filter((o) => !o.ok).length;
console.log(`\n${passed} passed, ${failed + (failed === 0 ? failedSteps : 0)} failed`);
process.exit(failedSteps > 0 ? 1 : 0);
