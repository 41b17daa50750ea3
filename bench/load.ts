// Load generation for the benches: autocannon in this process (the default), or wrk, a native
// generator that loads the 2-core machine less (BENCH_CLIENT=wrk, Debian package `wrk`). Both report
// the same figures, and both refuse a run with failed or non-2xx responses: cheap errors would
// flatter req/s.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';

export type LoadOptions = {
  name: string;
  url: string;
  connections: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds of load discarded first (JIT, caches). */
  warmup: number;
  headers?: Record<string, string>;
};

export type Load = { reqPerSec: number; p50Ms: number; p99Ms: number; requests: number };

export function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Rounds of one target as one: each figure the median (p99 the middle round's); requests summed. */
export function medianLoad(loads: Load[]): Load {
  return {
    reqPerSec: median(loads.map((l) => l.reqPerSec)),
    p50Ms: median(loads.map((l) => l.p50Ms)),
    p99Ms: median(loads.map((l) => l.p99Ms)),
    requests: loads.reduce((sum, l) => sum + l.requests, 0),
  };
}

export type Client = 'autocannon' | 'wrk';

export function loadClient(value = process.env.BENCH_CLIENT ?? 'autocannon'): Client {
  if (value === 'autocannon' || value === 'wrk') return value;
  throw new Error(`BENCH_CLIENT must be "autocannon" or "wrk", not "${value}"`);
}

export async function measureLoad(client: Client, options: LoadOptions): Promise<Load> {
  const { name, warmup, duration } = options;
  console.error(`load: ${name} (${client}, ${warmup} s warm-up, ${duration} s measured)`);
  return client === 'wrk' ? wrkLoad(options) : autocannonLoad(options);
}

async function autocannonLoad({ name, url, connections, duration, warmup, headers }: LoadOptions) {
  const result = await autocannon({
    url,
    connections,
    duration,
    headers: headers ?? {},
    ...(warmup > 0 ? { warmup: { duration: warmup } } : {}),
  });
  if (result.errors || result.timeouts || result.non2xx || !result.requests.total) {
    throw new Error(
      `${name}: ${result.requests.total} requests, ${result.errors} errors, ` +
        `${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`,
    );
  }
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
  };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(`${command} is not installed (Debian/Ubuntu: apt-get install ${command})`)
          : error,
      ),
    );
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)),
    );
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

// wrk prints human units ("812.00us", "1.52ms"); its latency distribution needs --latency.
function wrkFigure(output: string, pattern: RegExp, what: string): number {
  const match = output.match(pattern);
  if (!match?.[1]) throw new Error(`wrk printed no ${what}:\n${output}`);
  return Number(match[1]) * (match[2] ? (UNIT_MS[match[2]] ?? Number.NaN) : 1);
}

// One thread: the server keeps the other core, as with autocannon. wrk counts 3xx as success, so
// callers check the status of their URL once before loading it.
async function wrkLoad({ name, url, connections, duration, warmup, headers }: LoadOptions) {
  const args = (seconds: number) => [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '--timeout',
    '10s', // autocannon's default
    ...Object.entries(headers ?? {}).flatMap(([key, value]) => ['-H', `${key}: ${value}`]),
    url,
  ];
  if (warmup > 0) await run('wrk', args(warmup));
  const output = await run('wrk', args(duration));
  const failed = output.match(/Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/g);
  if (failed) throw new Error(`${name}: ${failed.join('; ')}`);
  return {
    reqPerSec: wrkFigure(output, /Requests\/sec:\s+([\d.]+)/, 'Requests/sec'),
    p50Ms: Math.round(wrkFigure(output, /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m, 'p50')),
    p99Ms: Math.round(wrkFigure(output, /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m, 'p99')),
    requests: wrkFigure(output, /(\d+) requests in/, 'request count'),
  };
}
