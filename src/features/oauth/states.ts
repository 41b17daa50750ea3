import type { ObjectId } from 'mongodb';
import { defineCollection } from '../../core/data/db.ts';
import { sha256 } from '../../core/data/ids.ts';
import type { OAuthProfile } from './provider.ts';

// One pending sign-in: the state sent to the provider (hashed), with the PKCE verifier and nonce
// that only this server knows, and what to do on return. Consumed once, within 10 minutes.
export type OAuthState = {
  _id: string;
  provider: string;
  verifier: string;
  nonce?: string;
  next: string;
  /** Set when a signed-in user is linking a provider to their account. */
  linkTo?: ObjectId;
  /** A provider identity without a verified email, waiting for the person to decide. */
  pending?: OAuthProfile;
  expiresAt: Date;
};

export const oauthStates = defineCollection<OAuthState>('oauthStates', [], {
  expiresField: 'expiresAt',
});

export const STATE_TTL_MS = 10 * 60_000;
/** The cookie that binds a pending sign-in to the browser that started it. */
export const STATE_COOKIE = 'oauth';
/** States are stored under their SHA-256: a copy of the database holds no usable state. */
export const hashState = sha256;
