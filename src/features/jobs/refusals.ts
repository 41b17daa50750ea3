import type Bull from 'bull';

// Settles with Redis's error once Redis has kept refusing the worker's commands for `limitMs`:
// refusals arriving with no gap as long as the limit and no job taken in between.
//
// Why: Bull's processing loop never gives up after it has started. A failed fetch is reported as
// an 'error' event and tried again 5 s later, forever (queue.js, _processJobOnNextTick), and the
// stalled-job check and the delay timer do the same; the promise of `queue.process()` only
// rejects when the start fails. A Redis that answers but refuses (an ACL without the queue's
// keys, maxmemory reached, a read-only replica after a failover, a script error) would leave a
// worker that runs no jobs but answers its probes. An outage is not a refusal (no ReplyError):
// the worker waits for Redis to come back, and its readiness probe reports Redis meanwhile.
export function whenRefused(queue: Bull.Queue, limitMs: number): Promise<Error> {
  return new Promise((settle) => {
    let since: number | undefined;
    let last = 0;
    queue.on('active', () => {
      since = undefined;
    });
    queue.on('error', (error: Error) => {
      if (error?.name !== 'ReplyError') return;
      const now = Date.now();
      if (since === undefined || now - last > limitMs) since = now;
      last = now;
      if (now - since >= limitMs) settle(error);
    });
  });
}
