import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

// A loopback TCP proxy in front of a test service (MongoDB or Redis), so a test can take it "down"
// and back "up", or slow, without owning the server process (works with FerretDB here and MongoDB
// in CI).
export async function startTcpProxy(targetUrl: string) {
  const target = new URL(targetUrl.replace(/^mongodb(\+srv)?:/, 'http:'));
  const sockets = new Set<Socket>();
  let up = true;
  let delayMs = 0;
  // Constant per-chunk delays keep the byte order: timers of equal delay fire in order.
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk) => {
      if (delayMs === 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), delayMs);
    });
  const server = createServer((client) => {
    if (!up) return client.destroy();
    const upstream = connect(Number(target.port || 27017), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: targetUrl.replace(/^((?:mongodb|redis):\/\/)[^/?]+/, `$1127.0.0.1:${port}`),
    down() {
      up = false;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      up = true;
    },
    /** Delays every chunk in both directions from now on (0 turns it off). */
    slow(ms: number) {
      delayMs = ms;
    },
    close() {
      this.down();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
