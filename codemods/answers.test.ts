import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { rootDir } from '../src/core/config/paths.ts';
import {
  AnswerError,
  type AnswerKey,
  answerFields,
  findAnswer,
  parseAnswerText,
} from './answers.ts';
import { ANSWERS_DOC_PATH, withAnswersTable } from './answers-doc.ts';
import { removableFeatures } from './features.ts';
import { renderSetupForm } from './form.ts';
import { featureManifestSchema } from './manifest.ts';
import { isConfigured } from './setup.ts';
import { Tree } from './tree.ts';

const exec = promisify(execFile);
const removable = removableFeatures(new Tree(rootDir));

async function cli(...args: string[]) {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  try {
    const { stdout, stderr } = await exec(process.execPath, ['scripts/setup.ts', ...args], {
      cwd: rootDir,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
}

describe('the answer table', () => {
  test('the form asks exactly the answers with a form id, by that id and label', () => {
    // A made-up removable feature: a form without any has no features field.
    const features = [
      featureManifestSchema.parse({ name: 'jobs', label: 'Jobs', removable: true }),
    ];
    const fields = (
      parse(renderSetupForm(features)).body as Array<{
        type: string;
        id?: string;
        attributes: { label?: string };
      }>
    ).filter((f) => f.type !== 'markdown');
    assert.deepEqual(
      fields.map((f) => [f.id, f.attributes.label]),
      answerFields.filter((f) => f.formId).map((f) => [f.formId, f.label]),
    );
  });

  test('ids, labels and flags are unique', () => {
    for (const pick of [
      (f: (typeof answerFields)[number]) => f.formId,
      (f: (typeof answerFields)[number]) => f.label,
      (f: (typeof answerFields)[number]) => f.flag.name,
    ]) {
      const values = answerFields.map(pick).filter(Boolean);
      assert.equal(new Set(values).size, values.length, values.join(', '));
    }
  });

  test('npm run setup -- --help shows every answer flag', async () => {
    const { code, stdout } = await cli('--help');
    assert.equal(code, 0);
    for (const { flag } of answerFields) {
      const line = stdout.split('\n').find((l) => l.startsWith(`  --${flag.name} ${flag.value} `));
      assert.equal(line?.trimEnd().endsWith(` ${flag.help}`), true, `--${flag.name}`);
    }
  });

  test('npm run setup reads every answer from its flag', {
    skip: isConfigured(rootDir) && 'a configured project is not the template',
  }, async () => {
    // A value per answer that its own schema refuses: each answer's error can only come from its flag.
    const refused: Record<AnswerKey, string> = {
      name: 'x'.repeat(61),
      slug: 'Bad Slug',
      description: 'y'.repeat(201),
      organization: 'z'.repeat(101),
      contactEmail: 'nope',
      languages: 'en,en',
      defaultLanguage: 'xx',
      profile: 'huge',
      features: 'jobs,jobs',
      domain: 'localhost',
      repository: 'no-owner',
    };
    const { code, stderr } = await cli(
      '--yes',
      '--dry-run',
      ...answerFields.map((f) => `--${f.flag.name}=${refused[f.key]}`),
    );
    assert.equal(code, 2, stderr);
    const listed = stderr.match(/^ {2}- [^:]+/gm)?.map((line) => line.slice(4));
    assert.deepEqual(
      listed,
      answerFields.map((f) => f.label),
    );
  });

  test('the README lists every answer as the table says', () => {
    const readme = readFileSync(join(rootDir, ANSWERS_DOC_PATH), 'utf8');
    const generated = withAnswersTable(readme, removable);
    // After setup the table is gone with the rest of the template-only text.
    if (generated === undefined) return;
    assert.equal(readme, generated, 'run npm run setup:form');
    for (const f of answerFields)
      assert.ok(readme.includes(`\`--${f.flag.name} ${f.flag.value}\``));
  });
});

describe('one answer from text (for --set key=value)', () => {
  test('lists are comma-separated, "none" is empty; values are cleaned by their schema', () => {
    assert.deepEqual(parseAnswerText('languages', 'es, en'), ['es', 'en']);
    assert.deepEqual(parseAnswerText('features', 'none'), []);
    assert.equal(parseAnswerText('name', '  Acme Portal '), 'Acme Portal');
    assert.equal(parseAnswerText('domain', 'Portal.Acme.Example'), 'portal.acme.example');
    assert.equal(findAnswer('contactEmail').flag.name, 'email');
  });

  test('a refused value names the answer; an unknown key lists the known ones', () => {
    assert.throws(
      () => parseAnswerText('slug', 'Bad Slug'),
      (error) =>
        error instanceof AnswerError &&
        error.field === 'slug' &&
        error.message === `Slug: ${error.reason}` &&
        /must start with a letter/.test(error.reason),
    );
    assert.throws(
      () => parseAnswerText('languages', 'en,tlh'),
      /Languages: is not one of the offered languages/,
    );
    assert.throws(
      () => findAnswer('email'),
      /email: is not an answer \(answers: name, slug, description, organization, contactEmail,/,
    );
  });
});
