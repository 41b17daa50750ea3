import type { Server } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from './logger.ts';

// Shared between the readiness check and the shutdown sequence: once draining starts, readiness
// answers 503 so the load balancer stops sending traffic while in-flight requests finish.
// Features register what they must close (queues, connections) with onShutdown.
export type Lifecycle = {
  draining: boolean;
  closers: Array<() => Promise<unknown>>;
  onShutdown(close: () => Promise<unknown>): void;
};

export function createLifecycle(): Lifecycle {
  const closers: Array<() => Promise<unknown>> = [];
  return {
    draining: false,
    closers,
    onShutdown: (close) => {
      closers.push(close);
    },
  };
}

// Runs the registered closers, last registered first, then the given ones; a failing closer is
// logged and does not stop the others.
export async function closeAll(
  lifecycle: Lifecycle,
  logger: Logger,
  last: Array<() => Promise<unknown>> = [],
) {
  for (const close of [...lifecycle.closers].reverse().concat(last)) {
    try {
      await close();
    } catch (error) {
      logger.error({ err: error }, 'a resource failed to close');
    }
  }
}

// While draining, ask clients to close keep-alive connections after their response, so that the
// server can close without waiting for idle sockets to time out.
export function closeConnectionsWhenDraining(lifecycle: Lifecycle): Middleware {
  return async function closeConnectionsWhenDraining(ctx, next) {
    await next();
    if (lifecycle.draining) ctx.set('Connection', 'close');
  };
}

type ShutdownOptions = {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  timeoutMs: number;
  delayMs?: number;
  close: Array<() => Promise<unknown>>;
};

// Marks the process not ready, keeps serving for delayMs (so load balancers notice), stops taking
// connections, lets in-flight requests finish (up to timeoutMs), then closes the resources in
// order. Resolves true when every request finished in time.
export async function shutdown({
  server,
  lifecycle,
  logger,
  timeoutMs,
  delayMs = 0,
  close,
}: ShutdownOptions) {
  lifecycle.draining = true;
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const late = await Promise.race([closed.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    logger.warn({ timeoutMs }, 'requests still running after the shutdown timeout; closing them');
    server.closeAllConnections();
    await closed;
  }
  await closeAll(lifecycle, logger, close);
  return !late;
}

// The hard deadline of a shutdown: the time it was given (delay, timeout) plus this margin for
// closing connections. Past it the process ends anyway, with exit 1 and a log line: a shutdown that
// hangs on a dead connection must not outlive the orchestrator's patience and end in a SIGKILL
// that says nothing.
export const CLOSE_MARGIN_MS = 5_000;

export function exitAfter(ms: number, logger: Logger) {
  setTimeout(() => {
    logger.error({ ms }, 'shutdown took too long');
    process.exit(1);
  }, ms).unref();
}
