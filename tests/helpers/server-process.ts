import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rootDir } from '../../src/core/config/paths.ts';

export type LogLine = Record<string, unknown> & { msg?: string };

export type ServerProcess = {
  child: ChildProcess;
  baseUrl: string;
  logs: LogLine[];
  output: () => string;
  exited: Promise<number | null>;
};

// Runs `node src/server.ts` (or another entry, such as the worker) as its own process, as
// production does, and waits until it listens. The port comes from the process's own "listening"
// log line (PORT=0 picks a free one).
export async function startServerProcess(
  env: Record<string, string>,
  { cwd = rootDir, entry = 'src/server.ts' } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [entry], {
    cwd,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let text = '';
  // 'close', not 'exit': by then the output has been read to the end.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const port = new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk;
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as LogLine;
          logs.push(entry);
          if (entry.msg?.startsWith('listening')) resolve(Number(entry.port));
        } catch {
          // not a log line
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk;
    });
    exited.then((code) =>
      reject(new Error(`${entry} exited with ${code} before listening:\n${text}`)),
    );
  });
  // Generous: on a loaded machine (the matrix runs copies side by side) a start can take many seconds.
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    return { child, baseUrl: `http://127.0.0.1:${await port}`, logs, output: () => text, exited };
  } finally {
    clearTimeout(timeout);
  }
}
