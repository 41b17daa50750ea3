// Where a CPU profile (`node --cpu-prof`) spends its time: functions by self time, as a share of
// the time the process was busy (idle excluded). `npm run bench` prints it with BENCH_CPU_PROFILE=1;
// `node bench/profile.ts <file.cpuprofile> [count]` prints it for any profile.
import { readFileSync } from 'node:fs';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type ProfileEntry = { name: string; share: number };

// Paths are shortened to the package or the file in this repository.
function place({ url, lineNumber }: ProfileNode['callFrame']) {
  if (!url) return '';
  const file = url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^file:\/\/.*?\/(src|public)\//, '$1/');
  return ` ${file}:${lineNumber + 1}`;
}

export function topFunctions(path: string, count = 20): ProfileEntry[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const names = new Map(
    profile.nodes.map((node) => [
      node.id,
      `${node.callFrame.functionName || '(anonymous)'}${place(node.callFrame)}`,
    ]),
  );
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const name = names.get(id) ?? '?';
    if (name === '(idle)') return;
    const micros = profile.timeDeltas[index] ?? 0;
    busy += micros;
    self.set(name, (self.get(name) ?? 0) + micros);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, share: micros / (busy || 1) }));
}

if (import.meta.main) {
  const [file, count] = process.argv.slice(2);
  if (!file) throw new Error('usage: node bench/profile.ts <file.cpuprofile> [count]');
  for (const { name, share } of topFunctions(file, Number(count ?? 20))) {
    console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}
