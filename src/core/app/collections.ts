import { oauthStates } from '../auth/oauth.ts';
import { rateLimitCounters } from '../auth/rate-limit.ts';
import { sessions } from '../auth/sessions.ts';
import { signingKeys } from '../auth/signing-key.ts';
import { users } from '../auth/users.ts';
import type { CollectionSpec } from '../data/db.ts';
import { outbox } from '../email/email.ts';
import type { Feature } from './feature.ts';

// Collections the core owns (accounts, sessions, rate limits, keys), then each feature's: their
// indexes are ensured before the server listens, and those with an expiresField are swept.
export function collectionsOf(features: Feature[]): CollectionSpec[] {
  return [
    users,
    sessions,
    signingKeys,
    rateLimitCounters,
    outbox,
    oauthStates,
    ...features.flatMap((feature) => feature.collections ?? []),
  ];
}
