// Validates the repository's GitHub and compose files against their published JSON schemas, so a
// typo in a key fails here with the file, JSON path and line instead of as a silently skipped job.
// The schemas are vendored in tests/fixtures/schemas (see its README for sources and why).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schemaDir = join(root, 'tests/fixtures/schemas');

type Target = { file: string; schema: string };

function yamlFiles(dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `${dir}/${name}`);
}

function existing(...files: string[]): string[] {
  return files.filter((file) => existsSync(join(root, file)));
}

function targets(): Target[] {
  const actionDirs = existsSync(join(root, '.github/actions'))
    ? readdirSync(join(root, '.github/actions')).map((name) => `.github/actions/${name}`)
    : [];
  return [
    ...yamlFiles('.github/workflows').map((file) => ({ file, schema: 'github-workflow.json' })),
    ...existing('.github/dependabot.yml', '.github/dependabot.yaml').map((file) => ({
      file,
      schema: 'dependabot-2.0.json',
    })),
    // config.yml configures the template chooser and has a different schema.
    ...yamlFiles('.github/ISSUE_TEMPLATE')
      .filter((file) => !/\/config\.ya?ml$/.test(file))
      .map((file) => ({ file, schema: 'github-issue-forms.json' })),
    ...existing(...actionDirs.flatMap((dir) => [`${dir}/action.yml`, `${dir}/action.yaml`])).map(
      (file) => ({ file, schema: 'github-action.json' }),
    ),
    ...existing('compose.yml', 'compose.prod.yml').map((file) => ({
      file,
      schema: 'compose-spec.json',
    })),
  ];
}

const validators = new Map<string, ValidateFunction>();

// Each schema declares its draft; Ajv needs the matching class. strict: false because
// SchemaStore schemas carry editor-only keywords (markdownDescription, x-intellij-...).
function validatorFor(schemaFile: string): ValidateFunction {
  const cached = validators.get(schemaFile);
  if (cached) return cached;
  const schema = JSON.parse(readFileSync(join(schemaDir, schemaFile), 'utf8'));
  const draft = String(schema.$schema ?? '');
  const options = { allErrors: true, strict: false, validateSchema: false };
  const ajv = draft.includes('2020-12')
    ? new Ajv2020(options)
    : draft.includes('2019-09')
      ? new Ajv2019(options)
      : new Ajv(options);
  ajvFormats.default(ajv);
  const validate = ajv.compile(schema);
  validators.set(schemaFile, validate);
  return validate;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

// Walks the YAML AST along a JSON pointer to the deepest node that exists, for a line number.
function locate(contents: unknown, segments: string[]): Node | undefined {
  let node = contents as Node | undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => String((p.key as { value?: unknown })?.value) === segment,
      );
      if (!pair) break;
      node = (pair.value ?? pair.key) as Node;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      node = item as Node;
    } else break;
  }
  return node;
}

function describe(error: ErrorObject): { path: string; message: string } {
  const params = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  // An unknown key is reported on its parent object; point at the key itself.
  const path =
    params.additionalProperty === undefined
      ? error.instancePath
      : `${error.instancePath}/${params.additionalProperty}`;
  const allowed = params.allowedValues ? ` (${params.allowedValues.join(', ')})` : '';
  return { path: path || '/', message: `${error.message}${allowed}` };
}

// Returns one line per problem: "<file>:<line> <JSON path>: <message>".
function validateYaml(file: string, text: string, validate: ValidateFunction): string[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => `${file}:${e.linePos?.[0].line ?? '?'} YAML: ${e.message}`);
  }
  if (validate(doc.toJS())) return [];
  // Deepest paths first: the alternatives of a oneOf each report at their own level, and the
  // most specific complaint is usually the real one.
  const reports = (validate.errors ?? [])
    .map(describe)
    .sort((a, b) => pointerSegments(b.path).length - pointerSegments(a.path).length);
  const problems = reports.map(({ path, message }) => {
    const node = locate(doc.contents, pointerSegments(path));
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : '?';
    return `${file}:${line} ${path}: ${message}`;
  });
  return [...new Set(problems)];
}

test('finds the workflows to validate', () => {
  assert.ok(
    targets().some((t) => t.schema === 'github-workflow.json'),
    'no .github/workflows/*.yml found: the schema checks would pass vacuously',
  );
});

for (const { file, schema } of targets()) {
  test(`${file} matches ${schema}`, () => {
    const problems = validateYaml(
      file,
      readFileSync(join(root, file), 'utf8'),
      validatorFor(schema),
    );
    // oneOf/anyOf branches each report; 30 lines is enough to spot the real one.
    assert.deepEqual(problems.slice(0, 30), [], `${file} does not match ${schema}`);
  });
}

test('a schema violation names the file, the JSON path and the line', () => {
  const broken = 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    stepz: []\n';
  const problems = validateYaml('broken.yml', broken, validatorFor('github-workflow.json'));
  assert.ok(
    problems.some((p) => p.startsWith('broken.yml:5 /jobs/build/stepz:')),
    `unexpected report:\n${problems.join('\n')}`,
  );
});
