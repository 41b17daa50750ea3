import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createI18n } from '../../src/core/i18n.ts';
import { startTestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';

const heading = (html: string) => html.match(/<h1[^>]*>([^<]*)<\/h1>/)?.[1];

describe('language detection', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('Accept-Language picks the best offered language, regional variants included', async () => {
    const es = await request(`${app.baseUrl}/`, {
      headers: { 'Accept-Language': 'es-MX,es;q=0.9,en;q=0.5' },
    });
    assert.equal(heading(es.text), 'Bienvenido a Groundwork');
    assert.equal(es.headers['content-language'], 'es');
    assert.match(es.text, /<html lang="es"/);
    const de = await request(`${app.baseUrl}/`, {
      headers: { 'Accept-Language': 'de-DE, fr;q=0.8' },
    });
    assert.equal(
      heading(de.text),
      'Welcome to Groundwork',
      'unoffered languages fall back to the default',
    );
    assert.match(String(es.headers.vary), /Accept-Language/);
  });

  test('?lang wins and is remembered in a cookie', async () => {
    const res = await request(`${app.baseUrl}/?lang=es`, { headers: { 'Accept-Language': 'en' } });
    assert.equal(heading(res.text), 'Bienvenido a Groundwork');
    const cookie = String(res.headers['set-cookie']?.[0]);
    assert.match(cookie, /^lang=es;/);
    assert.match(cookie, /httponly/i);
    assert.match(cookie, /samesite=lax/i);
  });

  test('the cookie beats Accept-Language; an unknown ?lang is ignored', async () => {
    const res = await request(`${app.baseUrl}/?lang=xx`, {
      headers: { 'Accept-Language': 'en', Cookie: 'lang=es' },
    });
    assert.equal(heading(res.text), 'Bienvenido a Groundwork');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('the language switcher links every language and marks the current one', async () => {
    const res = await request(`${app.baseUrl}/`, { headers: { Cookie: 'lang=es' } });
    assert.match(res.text, /href="\/\?lang=en"[^>]*>English</);
    assert.match(res.text, /href="\/\?lang=es"[^>]*aria-current="true"[^>]*>Español</);
  });

  test('the theme chosen in the browser is rendered by the server', async () => {
    const dark = await request(`${app.baseUrl}/`, { headers: { Cookie: 'theme=dark' } });
    assert.match(dark.text, /<html lang="en" data-theme="dark"/);
    const bogus = await request(`${app.baseUrl}/`, { headers: { Cookie: 'theme="><script>' } });
    assert.match(bogus.text, /<html lang="en">/);
  });
});

describe('translations', () => {
  const i18n = createI18n();

  test('plurals follow each language', () => {
    const en = i18n.getFixedT('en');
    const es = i18n.getFixedT('es');
    assert.equal(en('home:status.seconds', { count: 1 }), '1 second');
    assert.equal(en('home:status.seconds', { count: 5 }), '5 seconds');
    assert.equal(es('home:status.seconds', { count: 1 }), '1 segundo');
    assert.equal(es('home:status.seconds', { count: 0 }), '0 segundos');
  });

  test('every language has every key of the default language', () => {
    const keys = (lang: string) => {
      const out: string[] = [];
      const walk = (node: unknown, prefix: string) => {
        if (node && typeof node === 'object') {
          for (const [k, v] of Object.entries(node)) walk(v, prefix ? `${prefix}.${k}` : k);
        } else out.push(prefix);
      };
      walk(i18n.store.data[lang], '');
      return out.sort();
    };
    assert.deepEqual(keys('es'), keys('en'));
  });
});
