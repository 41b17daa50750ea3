import type { CollectionSpec } from './db.ts';
import { outbox } from './email.ts';
import type { Feature } from './feature.ts';
import { oauthStates } from './oauth.ts';
import { rateLimitCounters } from './rate-limit.ts';
import { sessions } from './sessions.ts';
import { signingKeys } from './signing-key.ts';
import { users } from './users.ts';

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
