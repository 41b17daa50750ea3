import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';

export type RawResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
};

// A raw HTTP client: unlike fetch it neither decompresses bodies nor hides hop-by-hop headers,
// so tests see exactly what goes over the wire.
export function request(
  url: string,
  {
    method = 'GET',
    headers = {} as Record<string, string>,
    body,
    localAddress,
  }: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Connect from this address of the machine (a non-loopback one plays a client elsewhere). */
    localAddress?: string;
  } = {},
) {
  return new Promise<RawResponse>((resolve, reject) => {
    const options = { method, headers, agent: false, ...(localAddress ? { localAddress } : {}) };
    const req = httpRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: body.toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// An address of this machine that is not loopback: a connection from it to 127.0.0.1 reaches the
// server as a client on the network would. Undefined on a machine with loopback only.
export function networkAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && !entry.internal && entry.family === 'IPv4')?.address;
}
