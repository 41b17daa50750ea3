import { defineFeature, type Feature } from '../../core/app/feature.ts';
import type { Config, Settings } from '../../core/config/config.ts';
import { oauthRoutes } from './flow.ts';
import { type OAuthProvider, oauthSignInMethod } from './provider.ts';
import { oauthStates } from './states.ts';

// Sign-in with OAuth providers (docs/decisions/0025). This folder is the whole family: the flow
// (flow.ts, client.ts), the linking policy (linking.ts), the pending states (states.ts), its pages
// and texts, and one folder per provider (github/, google/, microsoft/), each a feature of its own
// that setup can remove. The family itself leaves with its last provider (docs/decisions/0042).
export const oauth = defineFeature({ name: 'oauth', collections: [oauthStates] });

// A provider as a feature: offered on /login and routed only when `providerOf(config)` returns a
// provider (its client id and secret are set). Its settings leave with its folder.
export function defineOAuthFeature(
  name: string,
  providerOf: (config: Config) => OAuthProvider | undefined,
  settings?: Settings,
): Feature {
  return defineFeature({
    name,
    ...(settings ? { settings } : {}),
    signInMethods: ({ config }) => {
      const provider = providerOf(config);
      return provider ? [oauthSignInMethod(provider)] : [];
    },
    routes(router, services) {
      const provider = providerOf(services.config);
      if (provider) oauthRoutes(router, services, provider);
    },
  });
}
