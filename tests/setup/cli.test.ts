import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { profileFeatures } from '../../codemods/answers.ts';
import { removableFeatures } from '../../codemods/features.ts';
import { isConfigured } from '../../codemods/setup.ts';
import { Tree } from '../../codemods/tree.ts';
import { rootDir } from '../../src/core/config/paths.ts';
import { copyProject } from '../helpers/project-copy.ts';

const exec = promisify(execFile);
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

async function setup(dir: string, ...args: string[]) {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  try {
    const { stdout, stderr } = await exec(process.execPath, ['scripts/setup.ts', ...args], {
      cwd: dir,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const flags = [
  '--yes',
  '--name=Acme Portal',
  '--slug=acme-portal',
  '--description=The portal for Acme customers.',
  '--organization=Acme Inc',
  '--email=ops@acme.example',
  '--languages=en,de',
];

describe('npm run setup', {
  skip: isConfigured(rootDir) && 'a configured project is not the template',
}, () => {
  test('flags: sets the project up, shows progress per codemod, says what to do next', async () => {
    const dir = copyProject();
    copies.push(dir);
    const result = await setup(dir, ...flags);
    assert.equal(result.code, 0, result.stderr);
    for (const codemod of ['features', 'languages', 'rename', 'state']) {
      assert.match(result.stderr, new RegExp(`\\[\\d/4\\] ${codemod}: `));
    }
    assert.match(result.stderr, /npm install/);
    assert.match(readFileSync(join(dir, 'src/project.ts'), 'utf8'), /name: 'Acme Portal'/);
    assert.deepEqual(
      JSON.parse(readFileSync(join(dir, '.template/answers.json'), 'utf8')).answers.languages,
      ['en', 'de'],
    );
    assert.ok(isConfigured(dir));

    const again = await setup(dir, ...flags);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already set up/);
  });

  test('--profile keeps its features; --features adds to them', async () => {
    const dir = copyProject();
    copies.push(dir);
    const removable = removableFeatures(new Tree(dir)).map((f) => f.name);
    const kept = (...args: string[]) =>
      setup(dir, ...flags, '--dry-run', ...args).then((result) => {
        assert.equal(result.code, 0, result.stderr);
        return /features: keep (.*)$/m.exec(result.stderr)?.[1];
      });
    const standard = profileFeatures('standard', removable);
    assert.equal(await kept('--profile=standard'), standard.join(', '));
    assert.equal(await kept('--profile=minimal'), 'no optional features');
    assert.equal(await kept('--profile=full'), removable.join(', '));
    const extra = removable.find((name) => !standard.includes(name));
    if (extra) {
      assert.equal(
        await kept('--profile=standard', `--features=${extra}`),
        [...standard, extra].sort().join(', '),
      );
    }
    const wrong = await setup(dir, ...flags, '--dry-run', '--profile=huge');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Profile: is not one of the profiles/);
  });

  test('--dry-run prints the diff and writes nothing', async () => {
    const dir = copyProject();
    copies.push(dir);
    const before = readFileSync(join(dir, 'src/project.ts'), 'utf8');
    const result = await setup(dir, ...flags, '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^diff --git a\/src\/project\.ts b\/src\/project\.ts$/m);
    assert.match(result.stdout, /^\+ {2}name: 'Acme Portal',$/m);
    assert.equal(readFileSync(join(dir, 'src/project.ts'), 'utf8'), before);
    assert.ok(!isConfigured(dir));
  });

  test('--answers reads a JSON file; invalid answers are listed per field and nothing is written', async () => {
    const dir = copyProject();
    copies.push(dir);
    const file = join(dir, 'answers.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'X', slug: 'Bad Slug', contactEmail: 'nope', languages: ['en'] }),
    );
    const result = await setup(dir, '--yes', `--answers=${file}`);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Slug: must start with a letter/);
    assert.match(result.stderr, /Contact email: must be an email/);
    assert.match(result.stderr, /Description: is required/);
    assert.ok(!isConfigured(dir));
  });
});
