import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

// A loopback TCP proxy in front of a test service (MongoDB or Redis), so a test can take it "down"
// and back "up", or slow, without owning the server process (works with FerretDB here and MongoDB
// in CI). Down refuses connections, as a stopped server does, rather than accepting and dropping
// them (which some clients, ioredis among them, treat as a flapping connection).
export async function startTcpProxy(targetUrl: string) {
  const target = new URL(targetUrl.replace(/^mongodb(\+srv)?:/, 'http:'));
  const sockets = new Set<Socket>();
  let delayMs = 0;
  const watches = new Set<{ bytes: Buffer; seen: () => void }>();
  // Constant per-chunk delays keep the byte order: timers of equal delay fire in order.
  const forward = (from: Socket, to: Socket, fromClient: boolean) =>
    from.on('data', (chunk: Buffer) => {
      if (fromClient) {
        for (const watch of watches) {
          if (chunk.includes(watch.bytes)) {
            watches.delete(watch);
            watch.seen();
          }
        }
      }
      if (delayMs === 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), delayMs);
    });
  const proxy = (client: Socket) => {
    const upstream = connect(Number(target.port || 27017), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    forward(client, upstream, true);
    forward(upstream, client, false);
  };
  const listen = async (port: number) => {
    const server = createServer(proxy).listen(port, '127.0.0.1');
    await once(server, 'listening');
    return server;
  };
  let server: Server | undefined = await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: targetUrl.replace(/^((?:mongodb|redis):\/\/)[^/?]+/, `$1127.0.0.1:${port}`),
    async down() {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (closing) await new Promise((resolve) => closing.close(resolve));
    },
    async up() {
      server ??= await listen(port);
    },
    /**
     * Resolves once a client sends a chunk containing `text` (a command name, say): the request
     * that sends it is then in flight, without a guess at how long it takes to get there.
     */
    sent(text: string) {
      return new Promise<void>((seen) => watches.add({ bytes: Buffer.from(text), seen }));
    },
    /** Delays every chunk in both directions from now on (0 turns it off). */
    slow(ms: number) {
      delayMs = ms;
    },
    close() {
      return this.down();
    },
  };
}
