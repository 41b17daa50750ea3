import { createHash, randomBytes } from 'node:crypto';

// The app's secret ids (session ids, sign-in tokens, browser ids, OAuth states): 256 random bits
// as 43 base64url characters. Stored, they are replaced by their SHA-256, so a copy of the
// database holds no id that works.

export const randomId = () => randomBytes(32).toString('base64url');

/** What randomId() makes: check a cookie or URL value against it before any lookup. */
export const ID_FORMAT = /^[\w-]{43}$/;

/** SHA-256 as base64url: the stored form of a secret id, or a short digest of any text. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
