import { defineFeature } from '../../core/app/feature.ts';
import type { Config } from '../../core/config/config.ts';
import type { PageScript } from '../../core/views/page-scripts.ts';
import { analyticsSettings } from './settings.ts';

// Page views counted by Umami (docs/decisions/0126): in production, when the script URL and site
// id are set, every page loads Umami's tracker once it has loaded. The tracker counts the page,
// then each URL change, which is how HTMX page swaps (hx-boost, hx-push-url) show; it sends
// nothing when the browser asks not to be tracked (Do Not Track). The CSP allows the tracker's
// origin and the one it sends to, and nothing else.
export const analytics = defineFeature({
  name: 'analytics',
  settings: analyticsSettings,
  pageScripts: (config) => {
    const tracker = umamiTracker(config);
    return tracker ? [tracker] : [];
  },
});

export function umamiTracker(config: Config): PageScript | undefined {
  const { ANALYTICS_SCRIPT_URL: src, ANALYTICS_SITE_ID: website } = config;
  if (!config.production || !src || !website) return undefined;
  // Umami sends to the script's folder unless told otherwise; named here, it is what the CSP allows.
  const host = (config.ANALYTICS_HOST_URL ?? new URL('.', src).href).replace(/\/$/, '');
  return {
    src,
    data: { 'website-id': website, 'host-url': host, 'do-not-track': 'true' },
    connects: [host],
  };
}
