import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { globSync, rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Answers } from '../../codemods/answers.ts';
import { removableFeatures, removedFeatures } from '../../codemods/features.ts';
import { isConfigured, setUp } from '../../codemods/setup.ts';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { copyProject } from '../helpers/project-copy.ts';
import { baseAnswers, renderOptions } from '../setup/answers.ts';

// The template rendered with each answer set must type-check, lint and pass its own tests: the
// proof that every optional feature really is removable and every language setup works.
const features = removableFeatures(new Tree(rootDir));
const all = features.map((f) => f.name);

const entries: Array<{ name: string; answers: Answers }> = [
  {
    name: 'minimal: no optional feature, one language',
    answers: { ...baseAnswers, languages: ['en'], defaultLanguage: 'en', features: [] },
  },
  {
    name: 'full: every feature, three languages',
    answers: {
      ...baseAnswers,
      languages: ['en', 'es', 'fr'],
      defaultLanguage: 'en',
      features: all,
    },
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

// The copy's own tests, minus this matrix (it would recurse) and the production-install rehearsal
// (it runs `npm ci`, which needs the lockfile that `npm install` refreshes after setup).
const SKIP = [/^tests\/matrix\//, /^tests\/infra\/production-install\.test\.ts$/];

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

function run(dir: string, command: string, args: string[], env: Record<string, string> = {}) {
  // Without NODE_TEST_CONTEXT, which would make the copy's test runner report to ours and pass.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const result = spawnSync(command, args, {
    cwd: dir,
    env: { ...inherited, CI: '1', ...env },
    encoding: 'utf8',
  });
  const output = `${result.stdout}\n${result.stderr}`;
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(' ')} failed in ${dir}:\n${output.slice(-6_000)}`,
  );
}

describe('setup matrix', {
  skip: isConfigured(rootDir) && 'a configured project is not the template',
}, () => {
  entries.forEach(({ name, answers }, index) => {
    test(name, { timeout: 600_000 }, () => {
      const removed = removedFeatures(new Tree(rootDir), answers.features);
      const dir = copyProject({
        without: removed.flatMap((f) => [...f.dependencies, ...f.devDependencies]),
      });
      try {
        setUp(dir, answers, renderOptions);
        assertGone(dir, removed);
        const bin = (tool: string) => `${dir}/node_modules/.bin/${tool}`;
        run(dir, process.execPath, ['scripts/build-assets.ts']);
        run(dir, bin('biome'), ['check', '.']);
        run(dir, bin('tsc'), ['--noEmit']);
        const tests = globSync(
          ['tests/**/*.test.ts', 'src/**/*.test.ts', 'codemods/**/*.test.ts'],
          { cwd: dir },
        )
          .filter((file) => !SKIP.some((skip) => skip.test(file)))
          .sort();
        run(dir, process.execPath, ['--test', '--test-reporter=dot', ...tests]);
        run(dir, bin('playwright'), ['test', '--reporter=dot'], { E2E_PORT: String(3300 + index) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
