import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { localesDir } from '../../src/core/config/paths.ts';
import { createI18n, createTranslators } from '../../src/core/i18n/i18n.ts';
import { defaultLocale, needsTwoLanguages, otherLocale, tr } from '../helpers/i18n.ts';

// Locale files with one text missing from the other language: what a half-done translation is.
const dir = mkdtempSync(join(tmpdir(), 'locales-'));
after(() => rmSync(dir, { recursive: true, force: true }));
cpSync(localesDir, dir, { recursive: true });

describe('a missing translation', () => {
  test('falls back to the default language', { skip: needsTwoLanguages }, () => {
    const file = join(dir, otherLocale as string, 'common.json');
    const texts = JSON.parse(readFileSync(file, 'utf8'));
    // The first text, however deep: remove it.
    const path: string[] = [];
    let parent = texts;
    for (;;) {
      const [name, value] = Object.entries(parent)[0] as [string, unknown];
      path.push(name);
      if (typeof value === 'string') break;
      parent = value;
    }
    delete parent[path.at(-1) as string];
    writeFileSync(file, JSON.stringify(texts));
    const key = path.join('.');
    const t = createTranslators(createI18n(dir)).get(otherLocale as never);
    assert.equal(t?.(key), tr(defaultLocale, key));
  });

  test('missing everywhere: the key itself, not an empty text or an error', () => {
    const t = createTranslators(createI18n(dir)).get(defaultLocale);
    assert.equal(t?.('common:no.such.key'), 'no.such.key');
  });
});
