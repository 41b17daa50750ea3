import type * as OpenId from 'openid-client';
import { loadClient } from './client.ts';
import { OAuthFlowError } from './linking.ts';
import type { OAuthProfile, OAuthProvider } from './provider.ts';
import type { OAuthState } from './states.ts';

// The provider's callback URL for a saved state, traded for the person's profile: PKCE, and for
// OpenID Connect the ID token's signature, issuer, audience and nonce, are checked by the library.
export async function exchangeCode(
  provider: OAuthProvider,
  settings: OpenId.Configuration,
  currentUrl: URL,
  saved: OAuthState,
): Promise<OAuthProfile> {
  const client = await loadClient();
  try {
    const tokens = await client.authorizationCodeGrant(settings, currentUrl, {
      pkceCodeVerifier: saved.verifier,
      expectedState: currentUrl.searchParams.get('state') ?? '',
      ...(saved.nonce ? { expectedNonce: saved.nonce, idTokenExpected: true } : {}),
    });
    if (provider.fetchProfile) {
      return await provider.fetchProfile(settings, tokens.access_token, client);
    }
    const claims = tokens.claims();
    if (!claims) throw new OAuthFlowError('id_token');
    return {
      subject: claims.sub,
      ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
      emailVerified: !provider.emailIsUnverified && claims.email_verified === true,
      ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    };
  } catch (error) {
    if (error instanceof OAuthFlowError) throw error;
    // Bad signature, issuer, audience or nonce, a refused code or verifier: all refusals.
    throw new OAuthFlowError('exchange', error);
  }
}
