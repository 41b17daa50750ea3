// A stand-in for an Umami server on loopback, for this feature's tests: it serves a tracker at
// /script.js and records what arrives at /api/send. The tracker is ours, written to Umami's
// documented behaviour (docs/decisions/0126): settings from the script's data-* attributes
// (website-id, host-url, do-not-track), a page view once the page has loaded and one on each URL
// change through the History API, nothing under Do Not Track when asked to respect it, and the
// same JSON beacon ({ type: 'event', payload: { website, url, ... } }).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

// Not an ES import of node:http: files under src/ that are not tests may not have one (0090).
const { createServer } = process.getBuiltinModule('node:http');

const TRACKER = `(() => {
  const script = document.currentScript;
  if (!script) return;
  const { websiteId: website, hostUrl, doNotTrack } = script.dataset;
  const host = (hostUrl || script.src.split('/').slice(0, -1).join('/')).replace(/\\/$/, '');
  const optedOut = [navigator.doNotTrack, window.doNotTrack].some((v) => v === '1' || v === 'yes');
  if (!website || (doNotTrack === 'true' && optedOut)) return;
  let url = location.pathname + location.search;
  const send = () =>
    fetch(host + '/api/send', {
      method: 'POST',
      keepalive: true,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'event',
        payload: { website, hostname: location.hostname, url, title: document.title },
      }),
    });
  for (const method of ['pushState', 'replaceState']) {
    const original = history[method];
    history[method] = function (...args) {
      const result = original.apply(this, args);
      const next = location.pathname + location.search;
      if (next !== url) {
        url = next;
        setTimeout(send, 300);
      }
      return result;
    };
  }
  if (document.readyState === 'complete') send();
  else addEventListener('load', send);
})();
`;

export type Beacon = { type: string; payload: { website: string; url: string; title: string } };

export async function startUmamiStandIn() {
  const beacons: Beacon[] = [];
  let scriptLoads = 0;
  const server = createServer((req, res) => {
    // The tracker posts JSON from the app's origin: a CORS request, preflighted, as Umami allows.
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'content-type',
    };
    if (req.method === 'GET' && req.url === '/script.js') {
      scriptLoads++;
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return res.end(TRACKER);
    }
    if (req.url === '/api/send' && req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return res.end();
    }
    if (req.url === '/api/send' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        beacons.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        res.end('{}');
      });
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    scriptUrl: `${url}/script.js`,
    beacons,
    get scriptLoads() {
      return scriptLoads;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
