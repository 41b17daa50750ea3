import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n, type Resource, type TFunction } from 'i18next';
import type { Middleware } from 'koa';
import { type Locale, project } from '../../project.ts';
import { localesDir } from '../config/paths.ts';

export type { TFunction };

const LANG_COOKIE = 'lang';
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

// Loads locales/<lang>/<namespace>.json for every language the project offers, synchronously at
// boot: translations are part of the release, never fetched at request time.
export function createI18n(dir = localesDir): i18n {
  const resources: Resource = {};
  const namespaces = new Set<string>();
  for (const lang of project.locales) {
    resources[lang] = {};
    for (const file of readdirSync(join(dir, lang)).filter((f) => f.endsWith('.json'))) {
      const ns = file.slice(0, -'.json'.length);
      namespaces.add(ns);
      resources[lang][ns] = JSON.parse(readFileSync(join(dir, lang, file), 'utf8'));
    }
  }
  const instance = i18next.createInstance();
  instance.init({
    resources,
    lng: project.defaultLocale,
    fallbackLng: project.defaultLocale,
    supportedLngs: [...project.locales],
    ns: [...namespaces],
    defaultNS: 'common',
    initAsync: false,
    returnNull: false,
    // Pug escapes output; escaping here too would double-escape.
    interpolation: { escapeValue: false },
  });
  return instance;
}

// A t() for one language that remembers its results. Translations are fixed after boot, and
// i18next costs microseconds a call (more with interpolation): a page makes dozens of calls, most
// with the same arguments. Calls whose options are plain values (strings, numbers, booleans) are
// cached by key and options; the cache is bounded, since options can carry user data.
const CACHE_LIMIT = 2_000;

export function memoizedT(instance: i18n, lang: Locale): TFunction {
  const t = instance.getFixedT(lang) as unknown as (
    key: string | string[],
    options?: object,
  ) => string;
  const cache = new Map<string, string>();
  const memo = (key: string | string[], options?: Record<string, unknown>) => {
    if (typeof key !== 'string') return t(key, options);
    let id = key;
    if (options !== undefined) {
      for (const value of Object.values(options)) {
        const type = typeof value;
        if (type !== 'string' && type !== 'number' && type !== 'boolean') return t(key, options);
      }
      id = `${key}\u0000${JSON.stringify(options)}`;
    }
    let value = cache.get(id);
    if (value === undefined) {
      value = t(key, options);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(id, value);
    }
    return value;
  };
  return memo as unknown as TFunction;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (project.locales as readonly string[]).includes(value);
}

export type Translators = Map<Locale, TFunction>;

// One memoized t() per offered language, shared by the language middleware and the views.
export function createTranslators(instance: i18n): Translators {
  return new Map(project.locales.map((lang) => [lang, memoizedT(instance, lang)]));
}

// Picks the language from ?lang (remembered in a cookie), then the cookie, then Accept-Language.
export function detectLanguage(translators: Translators): Middleware {
  return async function detectLanguage(ctx, next) {
    const query = ctx.query.lang;
    let lang: Locale | undefined;
    if (isLocale(query)) {
      lang = query;
      ctx.cookies.set(LANG_COOKIE, lang, {
        maxAge: ONE_YEAR_MS,
        sameSite: 'lax',
        httpOnly: true,
        overwrite: true,
      });
    } else {
      const cookie = ctx.cookies.get(LANG_COOKIE);
      lang = isLocale(cookie) ? cookie : undefined;
    }
    lang ??= (ctx.acceptsLanguages([...project.locales]) || project.defaultLocale) as Locale;
    ctx.state.lang = lang;
    ctx.state.t = translators.get(lang) as TFunction;
    ctx.set('Content-Language', lang);
    ctx.vary('Accept-Language');
    ctx.vary('Cookie');
    await next();
  };
}
