// Small process helpers for the Docker suite: run a command and get its output, or a clear error.
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export const docker = process.env.GROUNDWORK_DOCKER ?? 'docker';

export type Ran = { code: number; stdout: string; stderr: string; ms: number };

/** Runs a command to its end; throws with its output when it fails (unless `check` is false). */
export function run(
  command: string,
  args: string[],
  {
    input,
    env,
    check = true,
    cwd,
  }: { input?: string; env?: NodeJS.ProcessEnv; check?: boolean; cwd?: string } = {},
): Ran {
  const started = performance.now();
  const result = spawnSync(command, args, {
    input,
    env: env ?? process.env,
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ran = {
    code: result.status ?? 1,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    ms: performance.now() - started,
  };
  if (check && ran.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${ran.code}:\n${ran.stderr}${ran.stdout}`);
  }
  return ran;
}

/** Runs a command in the background, collecting its output; `done` resolves when it exits. */
export function start(command: string, args: string[], options: SpawnOptions = {}) {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Ran>((resolve) => {
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started }),
    );
  });
  return { child, done, output: () => stdout + stderr };
}

/**
 * Starts a server whose output goes to `logFile`, not to a pipe: the suite blocks in synchronous
 * calls, and a server writing into a full pipe meanwhile would hang.
 */
export function startServer(command: string, args: string[], logFile: string) {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, done, log: () => readFileSync(logFile, 'utf8') };
}
