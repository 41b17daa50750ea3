// Deploy workflow: runs deploy/host.sh (or, with the target input swarm, deploy/swarm/swarm.sh on
// a Swarm manager) on the environment's host over SSH (the same code as
// `npm run deploy`), then reports version, duration and outcome in the run's summary and, when
// DEPLOY_WEBHOOK_URL is set, to a chat webhook (Slack-style {"text"}; Discord and Mattermost take
// it too). Inputs and secrets arrive as environment variables, never on a command line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { hostCommand, platformOf, Ssh } from '../deploy/remote.ts';
import { readTarget, TargetError } from '../deploy/target.ts';

const env = process.env;
const keyDir = mkdtempSync(join(tmpdir(), 'deploy-key-'));
let code = 1;
let summary = '';
try {
  const action = env.INPUT_ACTION || 'deploy';
  if (action !== 'deploy' && action !== 'rollback')
    throw new TargetError(`action must be deploy or rollback, not "${action}"`);
  let key: string | undefined;
  if (env.DEPLOY_SSH_PRIVATE_KEY) {
    key = join(keyDir, 'id');
    writeFileSync(key, `${env.DEPLOY_SSH_PRIVATE_KEY.trim()}\n`, { mode: 0o600 });
  }
  const target = readTarget({ ...env, ...(key ? { DEPLOY_SSH_KEY: key } : {}) });
  const platform = platformOf(env.INPUT_TARGET || env.DEPLOY_TARGET || undefined);
  const args = hostCommand(
    action,
    env.INPUT_VERSION || undefined,
    env.INPUT_IMAGE || undefined,
    platform,
  );
  const ssh = new Ssh(target, platform);
  try {
    await ssh.upload();
    const outcome = await ssh.run(args, { settings: env.PRODUCTION_ENV ?? '' });
    code = outcome.code;
    const r = outcome.result;
    summary = r
      ? `${r.action} of ${r.version} to ${env.DEPLOY_ENVIRONMENT ?? 'production'}: ${r.outcome} in ${r.seconds} s`
      : `${args.slice(0, 2).join(' ')} to ${env.DEPLOY_ENVIRONMENT ?? 'production'}: failed (exit ${code}, no result from the host)`;
  } finally {
    ssh.close();
  }
} catch (error) {
  summary = `deploy failed before reaching the host: ${error instanceof Error ? error.message : error}`;
  core.error(summary);
} finally {
  rmSync(keyDir, { recursive: true, force: true });
}

if (env.GITHUB_STEP_SUMMARY)
  await core.summary.addHeading('Deploy', 2).addRaw(`${summary}\n`).write();
if (env.DEPLOY_WEBHOOK_URL) {
  const where = env.GITHUB_REPOSITORY ? `${env.GITHUB_REPOSITORY}: ` : '';
  try {
    const response = await fetch(env.DEPLOY_WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `${where}${summary}`, content: `${where}${summary}` }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) core.warning(`the chat webhook answered ${response.status}`);
  } catch (error) {
    core.warning(`the chat webhook failed: ${error instanceof Error ? error.message : error}`);
  }
}
console.log(summary);
process.exit(code);
