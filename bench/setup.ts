// `npm run bench:setup`: how long a full setup of the template takes (codemods + formatting, without
// installing dependencies or running tests), on fresh copies, median of 5. Target: <= 10 s.
import { rmSync } from 'node:fs';
import { removableFeatures } from '../codemods/features.ts';
import { setUp } from '../codemods/setup.ts';
import { Tree } from '../codemods/tree.ts';
import { rootDir } from '../src/core/config/paths.ts';
import { copyProject } from '../tests/helpers/project-copy.ts';
import { baseAnswers, renderOptions } from '../tests/setup/answers.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = 10_000;
const features = removableFeatures(new Tree(rootDir));

// The heaviest setup: every optional feature removed, three languages of which two are new.
const answers = {
  ...baseAnswers,
  languages: ['fr', 'en', 'ja'] as const,
  defaultLanguage: 'fr' as const,
  features: [],
};
const times: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const dir = copyProject();
  try {
    const started = performance.now();
    const changes = setUp(dir, { ...answers, languages: [...answers.languages] }, renderOptions);
    const ms = performance.now() - started;
    times.push(ms);
    console.error(`run ${run}/${RUNS}: ${Math.round(ms)} ms, ${changes.length} files changed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] ?? 0;
console.log(
  `Full setup (${features.length} removable features removed, 3 languages): median ${Math.round(median)} ms ` +
    `(runs: ${times.map(Math.round).join(', ')} ms)  ${median <= TARGET_MS ? 'PASS' : 'MISS'} <= ${TARGET_MS / 1000} s`,
);
