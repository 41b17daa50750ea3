import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

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
  }: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
) {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
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
