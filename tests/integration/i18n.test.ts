import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Locale, project } from '../../src/project.ts';
import { startTestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';
import {
  defaultLocale,
  homeTitle,
  html,
  needsTwoLanguages,
  otherLocale,
  tr,
} from '../helpers/i18n.ts';

const heading = (html: string) => html.match(/<h1[^>]*>([^<]*)<\/h1>/)?.[1];

describe('language detection', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const other = otherLocale as Locale;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('Accept-Language picks the best offered language, regional variants included', {
    skip: needsTwoLanguages,
  }, async () => {
    const res = await request(`${app.baseUrl}/`, {
      headers: { 'Accept-Language': `${other}-XX,${other};q=0.9,${defaultLocale};q=0.5` },
    });
    assert.equal(heading(res.text), html(homeTitle(other)));
    assert.equal(res.headers['content-language'], other);
    assert.match(res.text, new RegExp(`<html lang="${other}"`));
    assert.match(String(res.headers.vary), /Accept-Language/);
  });

  test('unoffered languages fall back to the default', async () => {
    const res = await request(`${app.baseUrl}/`, {
      headers: { 'Accept-Language': 'xx-YY, zz;q=0.8' },
    });
    assert.equal(heading(res.text), html(homeTitle(defaultLocale)));
    assert.equal(res.headers['content-language'], defaultLocale);
  });

  test('?lang wins and is remembered in a cookie', { skip: needsTwoLanguages }, async () => {
    const res = await request(`${app.baseUrl}/?lang=${other}`, {
      headers: { 'Accept-Language': defaultLocale },
    });
    assert.equal(heading(res.text), html(homeTitle(other)));
    const cookie = String(res.headers['set-cookie']?.[0]);
    assert.match(cookie, new RegExp(`^lang=${other};`));
    assert.match(cookie, /httponly/i);
    assert.match(cookie, /samesite=lax/i);
  });

  test('the cookie beats Accept-Language; an unknown ?lang is ignored', {
    skip: needsTwoLanguages,
  }, async () => {
    const res = await request(`${app.baseUrl}/?lang=xx`, {
      headers: { 'Accept-Language': defaultLocale, Cookie: `lang=${other}` },
    });
    assert.equal(heading(res.text), html(homeTitle(other)));
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('the language switcher links every language and marks the current one', async () => {
    const res = await request(`${app.baseUrl}/`, { headers: { Cookie: `lang=${defaultLocale}` } });
    for (const lang of project.locales) {
      const name = html(tr(defaultLocale, `languages.${lang}`));
      const current = lang === defaultLocale ? '[^>]*aria-current="true"' : '';
      assert.match(res.text, new RegExp(`href="/\\?lang=${lang}"${current}[^>]*>${name}<`));
    }
  });

  test('the theme chosen in the browser is rendered by the server', async () => {
    const dark = await request(`${app.baseUrl}/`, { headers: { Cookie: 'theme=dark' } });
    assert.match(dark.text, new RegExp(`<html lang="${defaultLocale}" data-theme="dark"`));
    const bogus = await request(`${app.baseUrl}/`, { headers: { Cookie: 'theme="><script>' } });
    assert.match(bogus.text, new RegExp(`<html lang="${defaultLocale}">`));
  });
});

describe('translations', () => {
  test('plurals follow each language', () => {
    for (const lang of project.locales) {
      const one = tr(lang, 'home:status.seconds', { count: 1 });
      const many = tr(lang, 'home:status.seconds', { count: 5 });
      assert.match(one, /^1\D/);
      assert.match(many, /^5\D/);
      if (new Intl.PluralRules(lang).select(1) !== new Intl.PluralRules(lang).select(5)) {
        assert.notEqual(
          one.slice(1),
          many.slice(1),
          `${lang} has distinct singular and plural forms`,
        );
      }
    }
  });
});
