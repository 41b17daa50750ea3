import type * as OpenId from 'openid-client';
import type { SignInMethod } from '../../core/auth/sign-in.ts';

// What a provider tells us about the person, once the flow has checked it.
export type OAuthProfile = {
  subject: string;
  email?: string;
  /** Only a provider-verified email links to an existing account (docs/decisions/0025). */
  emailVerified: boolean;
  name?: string;
};

export type OAuthProvider = {
  /** 'google', 'github', 'microsoft': in URLs and in user.identities. */
  id: string;
  /** i18n key of the provider's name. */
  label: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** OpenID Connect: the issuer to discover; the ID token's signature, issuer, audience and
   * nonce are verified. */
  issuer?: URL;
  /** Plain OAuth 2 (GitHub): the endpoints, and how to read the profile with the access token. */
  endpoints?: { authorization: URL; token: URL };
  fetchProfile?(
    config: OpenId.Configuration,
    accessToken: string,
    client: typeof OpenId,
  ): Promise<OAuthProfile>;
  /** The provider's email_verified claim is not to be trusted (Microsoft). */
  emailIsUnverified?: boolean;
};

// The login button, and the rule for unlinking: a user can sign in with this provider while an
// identity of theirs is linked.
export function oauthSignInMethod(provider: OAuthProvider): SignInMethod {
  return {
    id: provider.id,
    label: provider.label,
    linkPath: `/auth/oauth/${provider.id}`,
    panel: (ctx, next) =>
      ctx.renderView('oauth/button', { provider: provider.id, label: provider.label, next }),
    availableTo: (user) => user.identities.some((identity) => identity.provider === provider.id),
  };
}
