// The start of a script the Docker suite runs inside the app's container to queue and inspect
// jobs with the image's own Bull. Part of the jobs feature: removed with it.
export function queueScript(runId: string) {
  return `import Bull from 'bull';
const queue = new Bull(process.env.JOBS_QUEUE ?? 'groundwork', process.env.REDIS_URL);
const id = (i) => '${runId}-' + i;`;
}
