import { createHash, randomFillSync } from 'node:crypto';

// The app's secret ids (session ids, sign-in tokens, browser ids, OAuth states): 256 random bits
// as 43 base64url characters. Stored, they are replaced by their SHA-256, so a copy of the
// database holds no id that works.

// Random bytes are drawn 4 KB at a time, as Node does for randomUUID(): a call into the system's
// generator per id was a twentieth of a first visit's cost. Each byte is handed out once.
const ID_BYTES = 32;
const pool = Buffer.alloc(ID_BYTES * 128);
let next = pool.length;

export function randomId() {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.toString('base64url', next, next + ID_BYTES);
  next += ID_BYTES;
  return id;
}

/** What randomId() makes: check a cookie or URL value against it before any lookup. */
export const ID_FORMAT = /^[\w-]{43}$/;

/** SHA-256 as base64url: the stored form of a secret id, or a short digest of any text. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
