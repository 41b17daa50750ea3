import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { rootDir } from '../src/core/config/paths.ts';
import { type FormValues, issueBody } from '../tests/setup/issue-body.ts';
import { profiles } from './answers.ts';
import { removableFeatures } from './features.ts';
import { parseSetupIssue, renderSetupForm, SETUP_FORM_PATH } from './form.ts';
import { languageLabel } from './languages.ts';
import { type FeatureManifest, featureManifestSchema } from './manifest.ts';
import { Tree } from './tree.ts';

// Two made-up removable features, so these tests do not depend on which features exist.
const features: FeatureManifest[] = [
  { name: 'jobs', label: 'Background jobs (Bull and Redis)' },
  { name: 'magic-link', label: 'Sign-in by email link' },
].map((f) => featureManifestSchema.parse({ ...f, removable: true }));
const form = renderSetupForm(features);
const formFields = parse(form).body.filter((f: { type: string }) => f.type !== 'markdown');

type Values = FormValues;
const body = (values: Values, options?: Parameters<typeof issueBody>[2]) =>
  issueBody(form, values, options);

const valid: Values = {
  name: 'Acme Portal',
  slug: 'acme-portal',
  description: 'The portal for Acme customers.',
  organization: 'Acme Inc',
  contactEmail: 'ops@acme.example',
  languages: [languageLabel('es'), languageLabel('en')],
  defaultLanguage: [languageLabel('es')],
  features: ['Sign-in by email link'],
  domain: 'portal.acme.example',
};

const parseBody = (text: string) => parseSetupIssue(text, form, features);
const errorsOf = (values: Values, options?: Parameters<typeof body>[1]) => {
  const result = parseBody(body(values, options));
  assert.ok(result.errors, `expected errors, got ${JSON.stringify(result)}`);
  return Object.fromEntries(result.errors.map((e) => [e.field, e.message]));
};

describe('setup issue form', () => {
  test('the committed form is the generated one, and follows the rules for issue forms', () => {
    const path = join(rootDir, SETUP_FORM_PATH);
    if (existsSync(path)) {
      assert.equal(
        readFileSync(path, 'utf8'),
        renderSetupForm(removableFeatures(new Tree(rootDir))),
        'run npm run setup:form',
      );
    }
    const ids = formFields.map((f: { id: string }) => f.id);
    const labels = formFields.map((f: { attributes: { label: string } }) => f.attributes.label);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    assert.equal(new Set(labels).size, labels.length, 'labels are unique');
    for (const id of ids) assert.match(id, /^[a-z][a-z0-9_]*$/, 'ids are snake_case');
    for (const field of formFields) {
      for (const option of field.attributes.options ?? []) {
        assert.ok(
          !String(option.label ?? option).includes(','),
          `no comma in option ${option.label ?? option}`,
        );
      }
    }
  });
});

describe('parsing and validating a setup issue', () => {
  test('every field kind: inputs, multi and single dropdowns, checkboxes', () => {
    assert.deepEqual(parseBody(body(valid)), {
      answers: {
        name: 'Acme Portal',
        slug: 'acme-portal',
        description: 'The portal for Acme customers.',
        organization: 'Acme Inc',
        contactEmail: 'ops@acme.example',
        languages: ['es', 'en'],
        defaultLanguage: 'es',
        features: ['magic-link'],
        domain: 'portal.acme.example',
      },
    });
  });

  test('a profile keeps its features, and the ticked ones are added to them', () => {
    const features = (profile: string | undefined, ticked: string[]) =>
      parseBody(body({ ...valid, features: ticked, ...(profile ? { profile: [profile] } : {}) }))
        .answers?.features;
    assert.deepEqual(features(profiles.minimal.label, []), []);
    assert.deepEqual(features(profiles.minimal.label, ['Sign-in by email link']), ['magic-link']);
    assert.deepEqual(features(profiles.standard.label, []), ['jobs', 'magic-link']);
    assert.deepEqual(features(profiles.full.label, ['Sign-in by email link']), [
      'jobs',
      'magic-link',
    ]);
    // No profile: exactly what is ticked. The answers keep the list, never the profile's name.
    assert.deepEqual(features(undefined, []), []);
    assert.ok(
      !('profile' in (parseBody(body({ ...valid, profile: [profiles.full.label] })).answers ?? {})),
    );
  });

  test('CRLF line ends give the same answers', () => {
    assert.deepEqual(parseBody(body(valid, { eol: '\r\n' })), parseBody(body(valid)));
  });

  test('an optional field left empty is absent; no feature ticked keeps none', () => {
    const result = parseBody(body({ ...valid, domain: '', features: [] }));
    assert.equal(result.answers?.domain, undefined);
    assert.deepEqual(result.answers?.features, []);
  });

  test('required fields left empty (private repositories do not enforce them) are reported, each', () => {
    const errors = errorsOf({
      ...valid,
      name: '',
      slug: '',
      contactEmail: '',
      languages: [],
      defaultLanguage: [],
    });
    assert.deepEqual(Object.keys(errors).sort(), [
      'contactEmail',
      'defaultLanguage',
      'languages',
      'name',
      'slug',
    ]);
    assert.equal(errors.name, 'is required');
    assert.equal(errors.languages, 'choose at least one language');
  });

  test('"None" in a dropdown counts as no answer', () => {
    const errors = errorsOf({ ...valid, languages: [], defaultLanguage: [] }, { empty: 'None' });
    assert.ok(errors.languages && errors.defaultLanguage);
  });

  test('an edited body is read again: a changed value, a removed section', () => {
    const edited = body(valid)
      .replace('acme-portal', 'acme-2')
      .replace(/### Production domain\n\n.*$/, '');
    const result = parseBody(edited);
    assert.equal(result.answers?.slug, 'acme-2');
    assert.equal(result.answers?.domain, undefined);
  });

  test('the default language must be one of the chosen languages', () => {
    assert.match(
      errorsOf({ ...valid, defaultLanguage: [languageLabel('fr')] }).defaultLanguage ?? '',
      /chosen/,
    );
  });

  test('values that are not offered are refused, not ignored', () => {
    const errors = errorsOf({ ...valid, languages: ['Klingon (tlh)'], features: [] });
    assert.match(errors.languages ?? '', /Klingon \(tlh\).*not one of the offered languages/);
    const edited = body(valid).replace(
      '- [ ] Background jobs (Bull and Redis)',
      '- [x] Bitcoin miner',
    );
    const result = parseBody(edited);
    assert.match(JSON.stringify(result.errors), /Bitcoin miner.*not one of the offered features/);
  });

  test('formats: slug, email, domain', () => {
    for (const slug of ['Acme', '9acme', 'acme_portal', 'a'.repeat(40), '-acme', 'acme portal']) {
      assert.ok(errorsOf({ ...valid, slug }).slug, slug);
    }
    for (const contactEmail of ['ops', 'ops@', '@acme.example', 'ops@acme', 'a b@c.de']) {
      assert.ok(errorsOf({ ...valid, contactEmail }).contactEmail, contactEmail);
    }
    for (const domain of [
      'https://acme.example',
      'localhost',
      '-acme.example',
      'acme..example',
      'acme.example:443',
      'acme.example/path',
      `${'a'.repeat(64)}.example`,
    ]) {
      assert.ok(errorsOf({ ...valid, domain }).domain, domain);
    }
    assert.equal(
      parseBody(body({ ...valid, domain: 'Portal.Acme.Example' })).answers?.domain,
      'portal.acme.example',
    );
  });

  test('hostile values: stored as inert text, or refused when they break the field format', () => {
    for (const name of [
      '$(id)',
      '`id`',
      '"; rm -rf / #',
      "' OR 1=1 --",
      '<script>alert(1)</script>',
      '${{ secrets.TOKEN }}',
      'Café Ñandú 🚀 日本',
    ]) {
      assert.equal(parseBody(body({ ...valid, name })).answers?.name, name);
    }
    assert.equal(errorsOf({ ...valid, slug: '$(id)' }).slug?.startsWith('must start'), true);
    // A newline cannot come from the form's one-line inputs, only from an edited body: refused.
    assert.ok(errorsOf({ ...valid, name: 'Acme\nPortal' }).name);
    // "### Slug" typed into another field must not become the slug: a repeated heading is refused.
    const injected = body({ ...valid, description: 'fine\n### Slug\n\nevil-slug' });
    const result = parseBody(injected);
    assert.match(JSON.stringify(result.errors), /### Slug\\" appears 2 times/);
    assert.ok(!JSON.stringify(result).includes('"slug":"evil-slug"'));
    // 10 KB values are refused by the length caps.
    assert.match(errorsOf({ ...valid, name: 'x'.repeat(10_240) }).name ?? '', /at most 60/);
    assert.match(
      errorsOf({ ...valid, description: 'y'.repeat(10_240) }).description ?? '',
      /at most 200/,
    );
  });

  test('security review 10: characters that are not printable text (Trojan Source and the like) are refused in every text answer', () => {
    const unprintable = {
      'right-to-left override': '\u202e',
      'left-to-right embedding': '\u202a',
      'pop directional formatting': '\u202c',
      'right-to-left isolate': '\u2067',
      'pop directional isolate': '\u2069',
      'arabic letter mark': '\u061c',
      'zero-width space': '\u200b',
      'zero-width joiner': '\u200d',
      'zero-width no-break space (BOM)': '\ufeff',
      'soft hyphen': '\u00ad',
      'word joiner': '\u2060',
      'line separator': '\u2028',
      'paragraph separator': '\u2029',
      'next line': '\u0085',
      escape: '\u001b',
      delete: '\u007f',
      'no-break space': '\u00a0',
      'ideographic space': '\u3000',
      'hangul filler': '\u3164',
      'private use': '\ue000',
      unassigned: '\u0378',
      'lone surrogate': '\ud800',
    };
    for (const [what, character] of Object.entries(unprintable)) {
      for (const field of ['name', 'description', 'organization'] as const) {
        const errors = errorsOf({ ...valid, [field]: `Acme${character}Portal` });
        assert.match(errors[field] ?? '', /printable text/, `${what} in ${field}`);
      }
    }
    // Printable text of any script passes, combining accents and emoji included.
    for (const name of [
      'Café Ñandú 🚀 日本',
      'Cafe\u0301 Ελληνικά עברית',
      'Straße № 5 — “quoted”',
    ]) {
      assert.equal(parseBody(body({ ...valid, name })).answers?.name, name);
    }
  });
});
