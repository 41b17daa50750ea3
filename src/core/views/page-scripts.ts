// Scripts a feature adds to every page from another origin (the analytics feature's tracker). The
// layout lists them as <meta name="page-script"> and assets/app.js loads them after the page's
// load event, so they never hold up the first render nor count in its weight (bench/README.md);
// their origins, and those they send to, are added to the CSP once at start (src/core/http).

export type PageScript = {
  /** Absolute URL of the script. */
  src: string;
  /** Its data-* attributes (names without "data-"), copied onto the script element. */
  data?: Record<string, string>;
  /** Origins the script sends requests to (fetch, beacons): the CSP's connect-src. */
  connects?: string[];
};

/** What the layout renders for each script: its URL and data-* attributes. */
export const pageScriptTags = (scripts: PageScript[]) =>
  scripts.map(({ src, data = {} }) => ({
    src,
    attributes: Object.fromEntries(
      Object.entries(data).map(([name, value]) => [`data-${name}`, value]),
    ),
  }));

/** The CSP sources the scripts need: their own origins, and where they connect. */
export function pageScriptSources(scripts: PageScript[]) {
  const origin = (url: string) => new URL(url).origin;
  const unique = (list: string[]) => [...new Set(list)].sort();
  return {
    scriptSrc: unique(scripts.map((script) => origin(script.src))),
    connectSrc: unique(scripts.flatMap((script) => (script.connects ?? []).map(origin))),
  };
}
