// `npm test`: every check CI runs, in order: build the assets, lint and format, type-check, the
// unit/integration/infra tests (node:test) and the browser tests (Playwright). Every step runs
// even when an earlier one fails, so one run shows everything that is wrong.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootDir } from '../src/core/config/paths.ts';

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
      '\nThe test services could not be started (see above). Start a MongoDB-wire server, Redis and\n' +
        'Chromium yourself and set MONGODB_URL, REDIS_URL and CHROMIUM_PATH, then run npm test again.',
    );
    process.exit(2);
  }
  for (const [, name, value] of services.stdout.matchAll(/^export (\w+)="(.*)"$/gm)) {
    if (name && value !== undefined)
      process.env[name] = value.replace('$PATH', process.env.PATH ?? '');
  }
}

const results = join(rootDir, 'test-results');
mkdirSync(results, { recursive: true });
const bin = (name: string) => join(rootDir, 'node_modules', '.bin', name);

const steps: Array<{ name: string; command: string; args: string[] }> = [
  { name: 'build assets', command: process.execPath, args: ['scripts/build-assets.ts'] },
  { name: 'lint + format', command: bin('biome'), args: ['check', '.'] },
  { name: 'type-check', command: bin('tsc'), args: ['--noEmit'] },
  {
    name: 'unit, integration, infra',
    command: process.execPath,
    args: [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=junit',
      `--test-reporter-destination=${join(results, 'node.xml')}`,
      'tests/**/*.test.ts',
      'src/**/*.test.ts',
      'codemods/**/*.test.ts',
    ],
  },
  { name: 'browser (Playwright)', command: bin('playwright'), args: ['test'] },
];

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
  const junit = join(results, 'node.xml');
  if (existsSync(junit)) {
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
