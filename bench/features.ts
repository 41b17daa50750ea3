// `npm run bench:features`: what the optional features of issue 14 (file storage, page analytics)
// cost a project that leaves them at their defaults. In one run it measures, side by side, the
// template as it is (every feature present, default config: storage on its local driver,
// analytics not configured), a copy of the project with those features removed by the setup
// codemods, and the template with analytics configured. For each: the first load of `/` and `/`
// under load. Rounds interleave the targets so that noise on the machine hits them alike; medians
// and ratios to the template are reported. Target: first load equal, `/` req/s ratio within noise
// (0.95-1.05). See bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Answers } from '../codemods/answers.ts';
import { removableFeatures, removedFeatures } from '../codemods/features.ts';
import { isConfigured } from '../codemods/setup.ts';
import { Tree } from '../codemods/tree.ts';
import { project } from '../src/project.ts';
import { copyProject } from '../tests/helpers/project-copy.ts';
import { type Load, loadClient, measureLoad, median } from './load.ts';
import {
  cpuBusy,
  firstLoad,
  root,
  runBench,
  type Transfer,
  waitUntilUp,
  withServer,
  writeResults,
} from './server.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10); // seconds measured per target and round
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2); // seconds discarded first (JIT, caches)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const SETTLE_MS = 1_000; // lets start-up garbage be collected before the load
const LOAD_HEADERS = { 'accept-encoding': 'gzip' }; // as browsers ask
const CLIENT = loadClient();
const KB = 1_000;
// The features issue 14 added. Its SES email transport is core (chosen by the SES_* settings), so
// it is in every target and off in all (SMTP, as productionEmail sets).
// BENCH_FEATURES names others to remove instead (comma-separated; empty: a copy that keeps every
// feature, which shows what the copy itself changes).
const ISSUE_FEATURES = (process.env.BENCH_FEATURES ?? 'storage,analytics')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const REMOVED = ISSUE_FEATURES.length > 0 ? ISSUE_FEATURES.join(', ') : 'nothing';
// Umami Cloud's script and the example website id of bench/README.md: never fetched here.
const ANALYTICS = {
  ANALYTICS_SCRIPT_URL: 'https://cloud.umami.is/script.js',
  ANALYTICS_SITE_ID: '94db1cb1-74f4-4a40-ad6c-962362670409',
};
// Settings of the features from the caller's environment would make the targets differ by more
// than the features: every target starts from their defaults.
const featureDefaults = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => /^(ANALYTICS|STORAGE|SES)_/.test(name))
    .map((name) => [name, undefined]),
);

// `name` in progress lines and the JSON, `label` in the table.
type Target = { name: string; label: string; cwd: string; env: Record<string, string | undefined> };
type Round = { transfers: Transfer[]; later: string[]; load: Load };

// A copy of the project set up with this template's own identity and languages, keeping every
// optional feature except those of issue 14: the copy differs from the template by their removal
// only. Rendered and built as the setup matrix does (tests/matrix/setup-matrix.test.ts).
function copyWithoutFeatures(): string {
  const tree = new Tree(root);
  const removable = removableFeatures(tree).map((feature) => feature.name);
  const unknown = ISSUE_FEATURES.filter((name) => !removable.includes(name));
  if (unknown.length > 0) {
    throw new Error(`BENCH_FEATURES: ${unknown.join(', ')} not among ${removable.join(', ')}`);
  }
  const kept = removable.filter((name) => !ISSUE_FEATURES.includes(name));
  const removed = removedFeatures(tree, kept);
  const answers: Answers = {
    name: project.name,
    slug: project.slug,
    description: project.description,
    organization: project.organization,
    contactEmail: project.contactEmail,
    languages: [...project.locales],
    defaultLanguage: project.defaultLocale,
    features: kept,
    repository: new URL(project.repository).pathname.slice(1),
  };
  const dir = copyProject({
    without: removed.flatMap((f) => [...f.dependencies, ...f.devDependencies]),
  });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const step = (args: string[]) =>
    execFileSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  step([join(root, 'tests/matrix/render.ts'), dir, JSON.stringify(answers)]);
  for (const feature of removed) {
    if (existsSync(join(dir, feature.dir)))
      throw new Error(`setup left ${feature.dir} in the copy`);
  }
  step(['scripts/build-assets.ts']);
  return dir;
}

// One fresh server: its first load, then `/` under load.
function measure(target: Target): Promise<Round> {
  return withServer(
    'src/server.ts',
    async (server) => {
      await waitUntilUp(server, '/health/ready');
      await sleep(SETTLE_MS);
      const { transfers, later } = await firstLoad(server.url);
      const load = await measureLoad(CLIENT, {
        name: `${target.name} /`,
        url: `${server.url}/`,
        connections: CONNECTIONS,
        duration: DURATION,
        warmup: WARMUP,
        headers: LOAD_HEADERS,
      });
      return { transfers, later, load };
    },
    { cwd: target.cwd, env: target.env },
  );
}

const total = (transfers: Transfer[]) => transfers.reduce((sum, t) => sum + t.bytes, 0);

async function main() {
  if (!(DURATION > 0) || !(WARMUP >= 0) || !(Number.isInteger(ROUNDS) && ROUNDS > 0)) {
    throw new Error(
      'BENCH_DURATION must be > 0, BENCH_WARMUP >= 0, BENCH_ROUNDS a whole number > 0',
    );
  }
  if (!process.env.MONGODB_URL) {
    throw new Error('MONGODB_URL is not set (e.g. eval "$(scripts/services.sh env)")');
  }
  if (!existsSync(join(root, 'public/build/manifest.json'))) {
    throw new Error('built assets are missing: run "npm run build" first');
  }
  if (isConfigured(root)) {
    // Setup runs once: a configured project cannot be set up again in a copy.
    throw new Error(
      'this project is set up already: the bench compares the template with a copy set up without the features',
    );
  }
  for (const file of ['.env', '.env.local']) {
    // The copy has only what git tracks: local settings would apply to the template alone.
    if (existsSync(join(root, file))) console.error(`note: ${file} applies to the template only`);
  }

  console.error(`copying the project and removing ${REMOVED} (setup codemods, build)...`);
  const copy = copyWithoutFeatures();
  const targets = {
    template: {
      name: 'template',
      label: 'template (features on, defaults)',
      cwd: root,
      env: featureDefaults,
    },
    without: { name: 'without', label: `copy without ${REMOVED}`, cwd: copy, env: featureDefaults },
    analytics: {
      name: 'analytics on',
      label: 'template, analytics configured',
      cwd: root,
      env: { ...featureDefaults, ...ANALYTICS },
    },
  } satisfies Record<string, Target>;
  const order: Target[] = [targets.template, targets.without, targets.analytics];

  const busyBefore = await cpuBusy();
  const rounds = new Map<Target, Round[]>(order.map((t) => [t, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    // Every other round in reverse order, so no target always runs first or last.
    for (const target of round % 2 ? order : [...order].reverse()) {
      const result = await measure(target);
      rounds.get(target)?.push(result);
      console.error(
        `round ${round}/${ROUNDS} ${target.name}: ${Math.round(result.load.reqPerSec)} req/s, ` +
          `p99 ${result.load.p99Ms} ms, first load ${total(result.transfers)} B`,
      );
    }
  }
  const busyAfter = await cpuBusy();

  const summarize = (target: Target) => {
    const runs = rounds.get(target) ?? [];
    const first = runs[0] as Round;
    return {
      name: target.name,
      label: target.label,
      reqPerSec: median(runs.map((r) => r.load.reqPerSec)),
      p99Ms: median(runs.map((r) => r.load.p99Ms)),
      firstLoadBytes: median(runs.map((r) => total(r.transfers))),
      resources: first.transfers,
      later: first.later,
      runs: runs.map((r) => r.load),
    };
  };
  const template = summarize(targets.template);
  const without = summarize(targets.without);
  const analytics = summarize(targets.analytics);
  const summary = [template, without, analytics];
  const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toLocaleString('en')}`;
  const reqRatio = ratio(without.reqPerSec, template.reqPerSec);
  // The same two targets side by side in each round: their ratio there shows how far noise goes.
  const pairedRatios = template.runs.map((run, i) =>
    ratio(without.runs[i]?.reqPerSec ?? 0, run.reqPerSec),
  );
  const checks = [
    {
      name: 'first load equal without the features',
      pass: without.firstLoadBytes === template.firstLoadBytes,
      shown: `${signed(without.firstLoadBytes - template.firstLoadBytes)} B`,
    },
    {
      name: '/ req/s without / with, 0.95-1.05',
      pass: reqRatio >= 0.95 && reqRatio <= 1.05,
      shown: `${reqRatio.toFixed(2)}x`,
    },
  ];

  // Resources by file name (fingerprints differ when the content does), `/` for the page.
  const file = (t: Transfer) => (t.url === '/' ? '/' : (t.url.split('/').at(-1) ?? t.url));
  const files = [...new Set(summary.flatMap((s) => s.resources.map(file)))];
  const fixed = (n: number, digits = 1) => n.toFixed(digits);
  const lines = [
    '',
    `Groundwork features bench: ${REMOVED} removed in the copy, Node ${process.version}, ` +
      `${CONNECTIONS} connections, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${DURATION} s after ${WARMUP} s warm-up ` +
      `(${CLIENT}), Accept-Encoding: gzip`,
    `CPU busy with other work: ${fixed(busyBefore * 100, 0)}% before, ${fixed(busyAfter * 100, 0)}% after` +
      (Math.max(busyBefore, busyAfter) > 0.1 ? '  <- not idle: figures are noisy, run again' : ''),
    '',
    `  ${'target'.padEnd(34)}${'first load B'.padStart(13)}${'/ req/s'.padStart(10)}${'p99 ms'.padStart(8)}` +
      `${'req/s vs template'.padStart(19)}`,
    ...summary.map(
      (s) =>
        `  ${s.label.padEnd(34)}${s.firstLoadBytes.toLocaleString('en').padStart(13)}` +
        `${Math.round(s.reqPerSec).toLocaleString('en').padStart(10)}${String(s.p99Ms).padStart(8)}` +
        `${`${fixed(ratio(s.reqPerSec, template.reqPerSec), 2)}x`.padStart(19)}`,
    ),
    '',
    `  Medians of ${ROUNDS} rounds. req/s per round: ` +
      summary
        .map((s) => `${s.name} ${s.runs.map((r) => Math.round(r.reqPerSec)).join('/')}`)
        .join(', ') +
      `; without / template per round: ${pairedRatios.map((r) => fixed(r, 2)).join(', ')}`,
    '',
    `First load by resource (bytes on the wire, gzip): ${summary.map((s) => s.name).join(' / ')}`,
    ...files.map((name) => {
      const bytes = summary.map((s) => s.resources.find((t) => file(t) === name)?.bytes ?? 0);
      return `  ${name.padEnd(12)}${bytes.map((b) => b.toLocaleString('en').padStart(10)).join('')}`;
    }),
    ...(analytics.later.length > 0
      ? [
          `Analytics on: ${signed(analytics.firstLoadBytes - template.firstLoadBytes)} B in the ` +
            `first load, then ${analytics.later.length} request to another origin after the ` +
            `page's load event (${analytics.later.join(', ')}; not fetched here)`,
        ]
      : ['Analytics on: no page script in the page (is the analytics feature there?)']),
    '',
    'Targets',
    ...checks.map((c) => `  ${c.pass ? 'PASS' : 'MISS'}  ${c.name.padEnd(40)}${c.shown}`),
    '',
  ];
  console.log(lines.join('\n'));

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    features: ISSUE_FEATURES,
    connections: CONNECTIONS,
    rounds: ROUNDS,
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
    client: CLIENT,
    cpuBusyOtherwise: { before: busyBefore, after: busyAfter },
    withoutToTemplatePerRound: pairedRatios,
    targets: summary.map((s) => ({
      ...s,
      firstLoadKB: s.firstLoadBytes / KB,
      reqPerSecRatioToTemplate: ratio(s.reqPerSec, template.reqPerSec),
    })),
    checks: checks.map(({ name, pass, shown }) => ({ name, pass, value: shown })),
  };
  writeResults('features.json', results);
}

await runBench(main);
