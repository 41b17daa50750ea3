import { z } from 'zod';
import type { Config, Settings, SettingsOf } from '../../../core/config/config.ts';
import { defineOAuthFeature } from '../index.ts';
import type { OAuthProvider } from '../provider.ts';

// Its settings exist while the provider does.
export const googleSettings = {
  GOOGLE_CLIENT_ID: z
    .string()
    .optional()
    .describe('OAuth client id from the Google Cloud console; with the secret, shows Google.'),
  GOOGLE_CLIENT_SECRET: z.string().optional().describe('OAuth client secret for Google.'),
  GOOGLE_ISSUER: z
    .url({ protocol: /^https?$/ })
    .default('https://accounts.google.com')
    .describe('OpenID Connect issuer for Google (change only to test against another server).'),
} satisfies Settings;

declare module '../../../core/config/config.ts' {
  interface Config extends SettingsOf<typeof googleSettings> {}
}

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
export const oauthGoogle = defineOAuthFeature('oauth-google', google, googleSettings);
