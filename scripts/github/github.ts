import { execFileSync } from 'node:child_process';
// What the workflow scripts share: the event (read from $GITHUB_EVENT_PATH, validated: no value of
// it ever reaches a shell), the repository, an API client, and step outputs. Workflows run these
// scripts; the scripts never receive event data as arguments.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { z } from 'zod';
import { rootDir } from '../../src/core/config/paths.ts';

export function readEvent<T extends z.ZodType>(schema: T): z.infer<T> {
  const path = process.env.GITHUB_EVENT_PATH;
  if (!path) throw new Error('GITHUB_EVENT_PATH is not set: run this from a workflow (or a test).');
  return schema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export function repository() {
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set (owner/name).');
  return { owner, repo };
}

export function api() {
  const token = process.env.GITHUB_TOKEN;
  if (!token) throw new Error('GITHUB_TOKEN is not set.');
  return getOctokit(token);
}

export type Api = ReturnType<typeof api>;

export const issueEventSchema = z.object({
  action: z.string(),
  issue: z.object({
    number: z.number().int(),
    state: z.string(),
    body: z.string().nullable(),
    user: z.object({ login: z.string() }),
    labels: z.array(z.object({ name: z.string() })),
  }),
  /** Who triggered this run: on `edited`, whoever edited the issue, not its author. */
  sender: z.object({ login: z.string() }),
  repository: z.object({ is_template: z.boolean().optional(), default_branch: z.string() }),
});

export const { setOutput, info, warning } = core;

/**
 * A value for the log on one line: its line breaks written as escapes. The runner reads any log
 * line that starts with `::` as a workflow command (`::warning::`, `::add-mask::`), so text from an
 * issue must never start a line of its own.
 */
export const oneLine = (value: string) =>
  value.replace(
    /[\r\n\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** Where a workflow's steps pass files to each other: $RUNNER_TEMP/<name> in a workflow. */
function stepDir(name: string, override: string | undefined) {
  const dir =
    override ??
    (process.env.RUNNER_TEMP ? join(process.env.RUNNER_TEMP, name) : join(rootDir, `.${name}`));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const setupDir = () => stepDir('setup', process.env.SETUP_DIR);
export const templateUpdateDir = () => stepDir('template-update', process.env.TEMPLATE_UPDATE_DIR);

/** Whether an API error is an HTTP status (e.g. 404 for "not a collaborator"). */
export const hasStatus = (error: unknown, status: number) =>
  typeof error === 'object' && error !== null && 'status' in error && error.status === status;

// Hidden markers let the scripts find their own issues and comments again (idempotency). Anyone can
// type a marker, so an issue or comment is the bot's only when the bot wrote it (isBots).
export const markers = {
  bootstrap: '<!-- groundwork:bootstrap -->',
  errors: '<!-- groundwork:setup-errors -->',
  summary: '<!-- groundwork:setup-summary -->',
  templateUpdate: '<!-- groundwork:template-update -->',
};

/** The Actions bot, as commits made with GITHUB_TOKEN are signed and as the API names it. */
export const BOT = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
  login: 'github-actions[bot]',
};

/** Whether the bot wrote this issue or comment and it carries `marker`. */
export const isBots = (
  item: { user?: { login?: string } | null; body?: string | null },
  marker: string,
) => item.user?.login === BOT.login && Boolean(item.body?.includes(marker));

/** git arguments that make the next commit the bot's. */
export const asBot = ['-c', `user.name=${BOT.name}`, '-c', `user.email=${BOT.email}`];

/** Runs git in the checkout and returns its output; `env` from tokenEnv() when it needs the token. */
export const git = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync('git', args, { cwd: rootDir, stdio: ['ignore', 'pipe', 'pipe'], env })
    .toString()
    .trim();

/**
 * The environment for a git command that sends `token` to an https remote: the header goes in as
 * a GIT_CONFIG_* variable, so it is in no remote URL or config file, and on no command line
 * (execFileSync's error message prints the command, arguments and all).
 */
export function tokenEnv(remote: string, token: string | undefined): NodeJS.ProcessEnv {
  if (!remote.startsWith('https://') || !token) return process.env;
  const count = Number(process.env.GIT_CONFIG_COUNT ?? 0) || 0;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return {
    ...process.env,
    GIT_CONFIG_COUNT: String(count + 1),
    [`GIT_CONFIG_KEY_${count}`]: 'http.extraheader',
    [`GIT_CONFIG_VALUE_${count}`]: `AUTHORIZATION: basic ${basic}`,
  };
}

/** Creates the bot comment carrying `marker`, or updates it when it exists already. */
export async function upsertComment(github: Api, issue: number, marker: string, body: string) {
  const { owner, repo } = repository();
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issue,
    per_page: 100,
  });
  const existing = comments.find((c) => isBots(c, marker));
  const text = `${marker}\n${body}`;
  if (existing)
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body: text });
  else await github.rest.issues.createComment({ owner, repo, issue_number: issue, body: text });
}
