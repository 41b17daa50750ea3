import type * as OpenId from 'openid-client';
import type { OAuthProvider } from './provider.ts';

// openid-client is loaded on the first sign-in with a provider, not at start: most deployments
// enable few providers, and the idle process stays smaller (docs/decisions/0009).
let openIdClient: Promise<typeof OpenId> | undefined;
export const loadClient = () => {
  openIdClient ??= import('openid-client');
  return openIdClient;
};

// Discovery is done once, on first use, and again after a failure (the provider was down).
export function configurationOf(provider: OAuthProvider, production: boolean) {
  let loading: Promise<OpenId.Configuration> | undefined;
  return () => {
    loading ??= (async () => {
      const client = await loadClient();
      // Plain-http providers exist only in development and tests (a local OIDC server).
      const insecure = (url: URL) => !production && url.protocol === 'http:';
      const auth = client.ClientSecretPost(provider.clientSecret);
      if (provider.issuer) {
        // Non-repudiation: the ID token's signature is checked against the provider's published
        // keys too, not only its issuer, audience, expiry and nonce.
        return client.discovery(provider.issuer, provider.clientId, undefined, auth, {
          execute: [
            ...(insecure(provider.issuer) ? [client.allowInsecureRequests] : []),
            client.enableNonRepudiationChecks,
          ],
          timeout: 10,
        });
      }
      const endpoints = provider.endpoints;
      if (!endpoints) throw new Error(`provider ${provider.id} has neither issuer nor endpoints`);
      const config = new client.Configuration(
        {
          issuer: endpoints.authorization.origin,
          authorization_endpoint: endpoints.authorization.href,
          token_endpoint: endpoints.token.href,
        },
        provider.clientId,
        undefined,
        auth,
      );
      if (insecure(endpoints.token)) client.allowInsecureRequests(config);
      return config;
    })().catch((error) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
