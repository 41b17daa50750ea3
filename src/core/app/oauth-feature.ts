import { type OAuthProvider, oauthRoutes, oauthSignInMethod } from '../auth/oauth.ts';
import type { Config } from '../config/config.ts';
import { defineFeature, type Feature } from './feature.ts';

// An OAuth provider as a feature: offered on /login and routed only when `providerOf(config)`
// returns a provider (its client id and secret are set).
export function defineOAuthFeature(
  name: string,
  providerOf: (config: Config) => OAuthProvider | undefined,
): Feature {
  return defineFeature({
    name,
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
