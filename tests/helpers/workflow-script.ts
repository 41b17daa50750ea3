import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testToken } from './fake-github.ts';

/**
 * Runs a workflow script the way a workflow step does: `node <script>` in a checkout, with the
 * event payload in $GITHUB_EVENT_PATH, the API at `api`, and the step outputs read back from
 * $GITHUB_OUTPUT. `dir` holds the event and output files.
 */
export async function runWorkflowScript(
  cwd: string,
  script: string,
  {
    api,
    event,
    dir,
    env = {},
  }: { api: string; event: object; dir: string; env?: Record<string, string> },
) {
  const eventPath = join(dir, `event-${Math.random()}.json`);
  const outputPath = join(dir, `output-${Math.random()}`);
  writeFileSync(outputPath, '');
  writeFileSync(eventPath, JSON.stringify(event));
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  // Asynchronous: the fake API answers from this same process, so a blocking spawn would deadlock.
  const result = await new Promise<{ status: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        [script],
        {
          cwd,
          env: {
            ...inherited,
            GITHUB_EVENT_PATH: eventPath,
            GITHUB_REPOSITORY: 'acme/portal',
            GITHUB_API_URL: api,
            GITHUB_TOKEN: testToken,
            GITHUB_OUTPUT: outputPath,
            ...env,
          },
          maxBuffer: 1 << 26,
        },
        (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    },
  );
  const outputs = Object.fromEntries(
    [...readFileSync(outputPath, 'utf8').matchAll(/^(\w+)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map((m) => [
      m[1],
      m[3],
    ]),
  );
  return { status: result.status, log: `${result.stdout}\n${result.stderr}`, outputs };
}
