import { execFileSync } from 'node:child_process';

// Fixed identity and dates for the scratch commits the engine makes: they never leave the cache,
// and a missing user.name must not stop an update.
const IDENTITY = {
  GIT_AUTHOR_NAME: 'groundwork',
  GIT_AUTHOR_EMAIL: 'groundwork@localhost',
  GIT_COMMITTER_NAME: 'groundwork',
  GIT_COMMITTER_EMAIL: 'groundwork@localhost',
  GIT_AUTHOR_DATE: '1970-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '1970-01-01T00:00:00Z',
};

export class GitError extends Error {
  readonly status: number | null;
  readonly stdout: string;
  constructor(args: string[], status: number | null, stdout: string, stderr: string) {
    super(`git ${args.join(' ')} failed${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    this.name = 'GitError';
    this.status = status;
    this.stdout = stdout;
  }
}

export type GitOptions = {
  cwd?: string;
  env?: Record<string, string>;
  input?: string | Buffer;
  /** Exit statuses that are answers rather than failures (merge-tree's 1 = conflicts). */
  okStatuses?: number[];
};

/** Runs git and returns its stdout as a Buffer; throws GitError with git's own message. */
export function gitBuffer(args: string[], options: GitOptions = {}): Buffer {
  try {
    return execFileSync('git', args, {
      cwd: options.cwd,
      env: { ...process.env, ...IDENTITY, ...options.env },
      input: options.input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 30,
    });
  } catch (error) {
    const { status, stdout, stderr } = error as {
      status: number | null;
      stdout?: Buffer;
      stderr?: Buffer;
    };
    if (status !== null && options.okStatuses?.includes(status) && stdout) return stdout;
    throw new GitError(args, status, stdout?.toString() ?? '', stderr?.toString() ?? '');
  }
}

/** Like gitBuffer, as trimmed text. */
export const git = (args: string[], options: GitOptions = {}) =>
  gitBuffer(args, options).toString('utf8').trim();

/** A bare repository's git invocation: `g(['cat-file', ...])` runs in `gitDir`. */
export function bareRepository(gitDir: string, env: Record<string, string> = {}) {
  const withDir = (args: string[]) => [`--git-dir=${gitDir}`, ...args];
  return {
    gitDir,
    text: (args: string[], options: GitOptions = {}) =>
      git(withDir(args), { ...options, env: { ...env, ...options.env } }),
    buffer: (args: string[], options: GitOptions = {}) =>
      gitBuffer(withDir(args), { ...options, env: { ...env, ...options.env } }),
  };
}

export type Repository = ReturnType<typeof bareRepository>;
