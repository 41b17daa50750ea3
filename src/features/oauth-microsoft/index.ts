import { defineOAuthFeature } from '../../core/app/oauth-feature.ts';
import type { OAuthProvider } from '../../core/auth/oauth.ts';
import type { Config } from '../../core/config/config.ts';

// Microsoft (Entra ID, personal accounts) is OpenID Connect. Its `email` claim is not verified by
// Microsoft (any tenant can set it), so it never links to an existing account by itself: such
// sign-ins ask first (docs/decisions/0025). The multi-tenant `common` issuer is handled by
// openid-client, which checks the ID token against the tenant it names.
function microsoft(config: Config): OAuthProvider | undefined {
  if (!config.MICROSOFT_CLIENT_ID || !config.MICROSOFT_CLIENT_SECRET) return undefined;
  return {
    id: 'microsoft',
    label: 'oauth-microsoft:name',
    clientId: config.MICROSOFT_CLIENT_ID,
    clientSecret: config.MICROSOFT_CLIENT_SECRET,
    scope: 'openid email profile',
    issuer: new URL(config.MICROSOFT_ISSUER),
    emailIsUnverified: true,
  };
}

// Sign in with Microsoft; shown only when MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET are set.
export const oauthMicrosoft = defineOAuthFeature('oauth-microsoft', microsoft);
