import type { Context } from 'koa';
import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

// Validates untrusted input (a body, a query) against a schema. On failure the first problem of
// each field is returned, as the message the schema gave it (an i18n key), for the form to show.
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
): { ok: true; data: z.infer<T> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(value ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

// For input no honest form produces wrongly (ids in paths, OAuth callback parameters): anything
// that does not match is a 400, before any query.
export function requireInput<T extends z.ZodType>(ctx: Context, schema: T, value: unknown) {
  const result = parseInput(schema, value);
  if (!result.ok) ctx.throw(400);
  return result.data;
}

// Where to go after signing in: a path on this site, never another origin (`//evil.example`,
// `/\evil.example` and `https:` URLs are all ways browsers leave the site).
export function safeRedirectPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > 2_000) return fallback;
  // Browsers read `\` as `/` and drop tabs and newlines: both turn a path into another host.
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\p{Cc}]/u.test(value))
    return fallback;
  const base = 'http://same.invalid';
  const url = new URL(value, base);
  // The normalized path is checked again: `/.//evil.example` and `/a/..//evil.example` resolve
  // to `//evil.example`, which a browser reads as another host.
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === base && !path.startsWith('//') ? path : fallback;
}
