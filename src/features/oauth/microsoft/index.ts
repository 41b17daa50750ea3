import { z } from 'zod';
import type { Config, Settings, SettingsOf } from '../../../core/config/config.ts';
import { defineOAuthFeature } from '../index.ts';
import type { OAuthProvider } from '../provider.ts';

// Its settings exist while the provider does.
export const microsoftSettings = {
  MICROSOFT_CLIENT_ID: z
    .string()
    .optional()
    .describe('Application (client) id from Microsoft Entra; with the secret, shows Microsoft.'),
  MICROSOFT_CLIENT_SECRET: z.string().optional().describe('Client secret for Microsoft.'),
  MICROSOFT_ISSUER: z
    .url({ protocol: /^https?$/ })
    .default('https://login.microsoftonline.com/common/v2.0')
    .describe(
      'OpenID Connect issuer for Microsoft: .../common/v2.0 (any account), .../consumers/v2.0, ' +
        'or .../<tenant id>/v2.0.',
    ),
} satisfies Settings;

declare module '../../../core/config/config.ts' {
  interface Config extends SettingsOf<typeof microsoftSettings> {}
}

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
export const oauthMicrosoft = defineOAuthFeature('oauth-microsoft', microsoft, microsoftSettings);
