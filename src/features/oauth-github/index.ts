import { z } from 'zod';
import { defineOAuthFeature } from '../../core/app/oauth-feature.ts';
import type { OAuthProfile, OAuthProvider } from '../../core/auth/oauth.ts';
import type { Config } from '../../core/config/config.ts';

const githubUser = z.object({
  id: z.number(),
  login: z.string(),
  name: z.string().nullish(),
});
const githubEmails = z.array(
  z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }),
);

// GitHub is plain OAuth 2 (state + PKCE, no ID token): the profile comes from its API, and only
// the primary email GitHub marks verified counts as verified.
function github(config: Config): OAuthProvider | undefined {
  if (!config.GITHUB_CLIENT_ID || !config.GITHUB_CLIENT_SECRET) return undefined;
  const web = config.GITHUB_URL.replace(/\/$/, '');
  const api = `${config.GITHUB_API_URL.replace(/\/$/, '')}/`;
  return {
    id: 'github',
    label: 'oauth-github:name',
    clientId: config.GITHUB_CLIENT_ID,
    clientSecret: config.GITHUB_CLIENT_SECRET,
    scope: 'read:user user:email',
    endpoints: {
      authorization: new URL(`${web}/login/oauth/authorize`),
      token: new URL(`${web}/login/oauth/access_token`),
    },
    async fetchProfile(settings, accessToken, client): Promise<OAuthProfile> {
      const get = async (path: string) => {
        const response = await client.fetchProtectedResource(
          settings,
          accessToken,
          new URL(path, api),
          'GET',
          undefined,
          new Headers({ Accept: 'application/vnd.github+json' }),
        );
        if (!response.ok) throw new Error(`GitHub API ${path} answered ${response.status}`);
        return response.json();
      };
      const user = githubUser.parse(await get('user'));
      const primary = githubEmails.parse(await get('user/emails')).find((e) => e.primary);
      return {
        subject: String(user.id),
        ...(primary ? { email: primary.email } : {}),
        emailVerified: primary?.verified === true,
        name: user.name || user.login,
      };
    },
  };
}

// Sign in with GitHub; shown only when GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are set.
export const oauthGithub = defineOAuthFeature('oauth-github', github);
