import { defineOAuthFeature } from '../../core/app/oauth-feature.ts';
import type { OAuthProvider } from '../../core/auth/oauth.ts';
import type { Config } from '../../core/config/config.ts';

// Google is OpenID Connect: the ID token carries the person's id, email and email_verified.
function google(config: Config): OAuthProvider | undefined {
  if (!config.GOOGLE_CLIENT_ID || !config.GOOGLE_CLIENT_SECRET) return undefined;
  return {
    id: 'google',
    label: 'oauth-google:name',
    clientId: config.GOOGLE_CLIENT_ID,
    clientSecret: config.GOOGLE_CLIENT_SECRET,
    scope: 'openid email profile',
    issuer: new URL(config.GOOGLE_ISSUER),
  };
}

// Sign in with Google; shown only when GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are set.
export const oauthGoogle = defineOAuthFeature('oauth-google', google);
