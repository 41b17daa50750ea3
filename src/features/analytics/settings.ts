import { z } from 'zod';
import type { Settings, SettingsOf } from '../../core/config/config.ts';

// The analytics feature's settings: they exist while the feature does.
export const analyticsSettings = {
  ANALYTICS_SCRIPT_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      "URL of Umami's tracker script, e.g. https://cloud.umami.is/script.js or " +
        'https://umami.example.com/script.js; with ANALYTICS_SITE_ID, production pages count visits.',
    ),
  ANALYTICS_SITE_ID: z
    .string()
    .regex(
      /^[\w-]{1,100}$/,
      'must be the website id Umami shows, e.g. 94db1cb1-74f4-4a40-ad6c-962362670409',
    )
    .optional()
    .describe("The website id from Umami's settings (Websites, Edit), a UUID."),
  ANALYTICS_HOST_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'Where the tracker sends page views when not beside its script, e.g. ' +
        'https://api-gateway.umami.dev for Umami Cloud; allowed by the CSP.',
    ),
} satisfies Settings;

declare module '../../core/config/config.ts' {
  interface Config extends SettingsOf<typeof analyticsSettings> {}
}
