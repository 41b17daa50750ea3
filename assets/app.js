// Our own browser code, bundled after HTMX into one fingerprinted file. Keep it small: the server
// renders pages, HTMX swaps fragments; this only handles what must happen in the browser.

// Theme switch: the server renders the saved theme (cookie) into <html data-theme>, so there is
// no flash on load; without a saved choice, the operating system's preference applies.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element && event.target.closest('[data-theme-toggle]');
  if (!button) return;
  const root = document.documentElement;
  const current =
    root.dataset.theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  const next = current === 'dark' ? 'light' : 'dark';
  root.dataset.theme = next;
  // biome-ignore lint/suspicious/noDocumentCookie: one first-party preference cookie; no library needed.
  document.cookie = `theme=${next}; Path=/; Max-Age=31536000; SameSite=Lax`;
  button.setAttribute('aria-pressed', String(next === 'dark'));
});

// CSRF: signed-in pages carry the token in <meta name="csrf-token">; every HTMX request sends it
// as a header, so buttons with hx-post/hx-delete outside a form are accepted too.
document.addEventListener('htmx:configRequest', (event) => {
  const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content');
  if (token) event.detail.headers['X-CSRF-Token'] = token;
});

// A feature's third-party scripts (analytics): after the page, with their data-* settings.
addEventListener('load', () => {
  for (const meta of document.querySelectorAll('meta[name="page-script"]')) {
    const script = document.createElement('script');
    script.src = meta.getAttribute('content');
    Object.assign(script.dataset, meta.dataset);
    document.head.append(script);
  }
});

// Development (`npm run dev`): the server restarts after every change to code, views, locales or
// assets; a new server id on the reload stream means there is something new to show.
const reloadStream = document.documentElement.dataset.liveReload;
if (reloadStream) {
  let serverId;
  const listen = () => {
    const source = new EventSource(reloadStream);
    source.onmessage = ({ data }) => {
      if (serverId === undefined) {
        serverId = data;
        // Visible in the page: the page is listening (tests/integration/dev.test.ts waits for it).
        document.documentElement.dataset.liveReloadServer = data;
      } else if (data !== serverId) location.reload();
    };
    // The browser retries a dropped stream by itself, but gives up after an error response (a
    // restart that failed): listen again, so that the fix reloads the page too.
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setTimeout(listen, 1_000);
    };
  };
  listen();
}
