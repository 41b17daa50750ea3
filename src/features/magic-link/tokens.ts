import { randomInt } from 'node:crypto';
import type { SigningKey } from '../../core/auth/signing-key.ts';
import { defineCollection } from '../../core/data/db.ts';
import { ID_FORMAT, randomId, sha256 } from '../../core/data/ids.ts';

// A requested sign-in link. The token itself is only in the email: the database has its SHA-256,
// so reading the collection does not let anyone sign in.
export type MagicLink = {
  _id: string;
  email: string;
  /** HMAC of the random id in the requesting browser's cookie. */
  browser: string;
  /** HMAC of the link's short code, for opening the link in another browser. */
  code: string;
  next: string;
  createdAt: Date;
  expiresAt: Date;
};

export const magicLinks = defineCollection<MagicLink>('magicLinks', [{ key: { expiresAt: 1 } }], {
  expiresField: 'expiresAt',
});

// Decisions about a link are inserts with unique ids: `<link>:used` (single use) and one document
// per code attempt. An insert either happens or collides, on every MongoDB-wire server; a
// read-modify-write ($inc, findOneAndDelete) is atomic on MongoDB but not on FerretDB 1.x, where
// two concurrent requests can both win (docs/decisions/0024).
export type MagicLinkClaim = { _id: string; link: string; attempt?: true; expiresAt: Date };

export const magicLinkClaims = defineCollection<MagicLinkClaim>(
  'magicLinkClaims',
  [{ key: { link: 1 } }],
  { expiresField: 'expiresAt' },
);

export const LINK_TTL_MS = 10 * 60_000;
export const MAX_CODE_ATTEMPTS = 5;
export const TOKEN_FORMAT = ID_FORMAT;

export const newToken = randomId;
export const newCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');
export const hashToken = sha256;

/** The cookie whose random id binds a link to the browser that asked for it. */
export const BROWSER_COOKIE = 'magic';
/** The cookie that marks a browser as one that signed in with an address (a MAC of it). */
export const KNOWN_COOKIE = 'magic-known';
export const KNOWN_TTL_MS = 30 * 24 * 60 * 60_000;

// What a link stores of its browser and its code: MACs under the app's signing key.
export const linkMacs = (signingKey: SigningKey) => ({
  browser: (id: string) => signingKey.hmac('magic-link-browser', id),
  code: (tokenHash: string, code: string) =>
    signingKey.hmac('magic-link-code', `${tokenHash}:${code}`),
  known: (address: string) => signingKey.hmac('magic-link-known', address),
});
export type LinkMacs = ReturnType<typeof linkMacs>;
