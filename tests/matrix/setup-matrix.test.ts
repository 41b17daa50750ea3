import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { globSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, freemem, loadavg } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Answers, type Profile, validateAnswers } from '../../codemods/answers.ts';
import { removableFeatures, removedFeatures } from '../../codemods/features.ts';
import { isConfigured } from '../../codemods/setup.ts';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { copyProject } from '../helpers/project-copy.ts';
import { baseAnswers } from '../setup/answers.ts';

// The template rendered with each answer set must type-check, lint and pass its own tests: the
// proof that every optional feature really is removable and every language setup works.
const features = removableFeatures(new Tree(rootDir));
const all = features.map((f) => f.name);

// A setup profile's answers as the form and the CLI resolve them (the features it keeps).
function profile(name: Profile, answers: Partial<Answers>): Answers {
  const result = validateAnswers({ ...baseAnswers, ...answers, profile: name, features: [] }, all);
  assert.ok(result.answers, JSON.stringify(result.errors));
  return result.answers;
}

const entries: Array<{ name: string; answers: Answers }> = [
  {
    name: 'minimal profile: no optional feature, one language',
    answers: profile('minimal', { languages: ['en'], defaultLanguage: 'en' }),
  },
  { name: 'standard profile: email links and jobs', answers: profile('standard', {}) },
  {
    name: 'full profile: every feature, three languages',
    answers: profile('full', { languages: ['en', 'es', 'fr'], defaultLanguage: 'en' }),
  },
  ...features.map((f) => ({
    name: `without ${f.name}`,
    answers: { ...baseAnswers, features: all.filter((name) => name !== f.name) },
  })),
  {
    // No English at all: every test must read its expected texts from the locale files.
    name: 'odd: unicode name, no English',
    answers: {
      ...baseAnswers,
      name: 'Café Ñandú 日本 🚀',
      slug: 'cafe-nandu',
      languages: ['es', 'ja'],
      defaultLanguage: 'es',
      features: all,
    },
  },
];

// The copy's own tests, minus this matrix (it would recurse), the production-install rehearsal
// (it runs `npm ci`, which needs the lockfile that `npm install` refreshes after setup) and the
// fresh-clone test (an `npm install` of its own; the template's run covers it).
const SKIP = [
  /^tests\/matrix\//,
  /^tests\/infra\/production-install\.test\.ts$/,
  /^tests\/infra\/fresh-clone\.test\.ts$/,
];

// Nothing of a removed feature stays: its folder, texts and packages, nor code that loads one of
// them (for the OAuth family, once every provider is gone: no flow, page, text, setting or
// openid-client).
function assertGone(dir: string, removed: ReturnType<typeof removedFeatures>) {
  const tree = new Tree(dir);
  const pkg = JSON.parse(tree.require('package.json'));
  const code = ['src', 'views', 'locales', 'tests'].flatMap((folder) => tree.list(folder));
  for (const feature of removed) {
    assert.ok(!tree.exists(feature.dir), `${feature.dir} is gone`);
    for (const ns of feature.localeNamespaces) {
      assert.deepEqual(
        code.filter((path) => path.endsWith(`/${ns}.json`)),
        [],
        `texts of ${ns} are gone`,
      );
    }
    for (const dep of [...feature.dependencies, ...feature.devDependencies]) {
      assert.equal(pkg.dependencies?.[dep] ?? pkg.devDependencies?.[dep], undefined, dep);
      const users = code.filter((path) => tree.require(path).includes(`'${dep}'`));
      assert.deepEqual(users, [], `nothing loads ${dep}`);
    }
  }
}

// Entries run side by side, as many as the machine has idle cores and memory for (each copy's runs
// take about 1.5 GB at their peak); MATRIX_CONCURRENCY overrides it. What they share: the
// node_modules of this checkout (linked), Chromium and the test services.
const idleCores = availableParallelism() - Math.round(loadavg()[0] ?? 0);
const concurrency =
  Number(process.env.MATRIX_CONCURRENCY) ||
  Math.max(1, Math.min(idleCores, Math.floor(freemem() / 1.5e9), entries.length));

// Each step in its own process group with a deadline: a hung step (and whatever it started, a
// Playwright web server say) is killed, and the failure names the step.
async function run(
  dir: string,
  command: string,
  args: string[],
  {
    signal,
    env = {},
    timeoutMs = 1_200_000,
  }: { signal: AbortSignal; env?: Record<string, string>; timeoutMs?: number },
) {
  // Without NODE_TEST_CONTEXT, which would make the copy's test runner report to ours and pass.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const child = spawn(command, args, {
    cwd: dir,
    env: { ...inherited, CI: '1', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  const killGroup = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
  };
  deadline.addEventListener('abort', killGroup, { once: true });
  const [code] = await once(child, 'close');
  deadline.removeEventListener('abort', killGroup);
  killGroup();
  const what = signal.aborted
    ? 'was stopped with its test'
    : deadline.aborted
      ? `was stopped at its deadline (${timeoutMs} ms)`
      : 'failed';
  assert.equal(code, 0, `${command} ${args.join(' ')} ${what} in ${dir}:\n${output.slice(-6_000)}`);
}

// Three free consecutive ports for the copy's Playwright run (app, OIDC provider, worker).
async function freePorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await free(base)) && (await free(base + 1)) && (await free(base + 2))) return base;
  }
}

describe('setup matrix', {
  skip: isConfigured(rootDir) && 'a configured project is not the template',
  concurrency,
}, () => {
  for (const { name, answers } of entries) {
    test(name, { timeout: 2_400_000 }, async (t) => {
      const removed = removedFeatures(new Tree(rootDir), answers.features);
      const dir = copyProject({
        without: removed.flatMap((f) => [...f.dependencies, ...f.devDependencies]),
      });
      const step = (command: string, args: string[], env?: Record<string, string>) =>
        run(dir, command, args, { signal: t.signal, ...(env ? { env } : {}) });
      try {
        await step(process.execPath, [
          join(rootDir, 'tests/matrix/render.ts'),
          dir,
          JSON.stringify(answers),
        ]);
        assertGone(dir, removed);
        const bin = (tool: string) => `${dir}/node_modules/.bin/${tool}`;
        await step(process.execPath, ['scripts/build-assets.ts']);
        await step(bin('biome'), ['check', '.']);
        await step(bin('tsc'), ['--noEmit']);
        const tests = globSync(
          ['tests/**/*.test.ts', 'src/**/*.test.ts', 'codemods/**/*.test.ts'],
          { cwd: dir },
        )
          .filter((file) => !SKIP.some((skip) => skip.test(file)))
          .sort();
        // As npm test runs them: files side by side. spec: its closing summary (the tail kept on
        // failure) names the failed tests.
        await step(process.execPath, [
          '--test',
          `--test-concurrency=${availableParallelism() + 1}`,
          '--test-reporter=spec',
          ...tests,
        ]);
        await step(bin('playwright'), ['test', '--reporter=dot'], {
          E2E_PORT: String(await freePorts()),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
