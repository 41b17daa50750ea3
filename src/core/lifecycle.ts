import type { Server } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from './logger.ts';

// Shared between the readiness check and the shutdown sequence: once draining starts, readiness
// answers 503 so the load balancer stops sending traffic while in-flight requests finish.
export type Lifecycle = { draining: boolean };

export function createLifecycle(): Lifecycle {
  return { draining: false };
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
  for (const step of close) await step();
  return !late;
}
