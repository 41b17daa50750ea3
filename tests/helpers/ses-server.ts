import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for Amazon SES's v2 API on loopback: POST /v2/email/outbound-emails with a JSON
// SendEmail request, signed with AWS Signature Version 4. The signature is checked here with
// node:crypto, written from AWS's specification, not with the signer the app uses, so a signing
// mistake fails here as AWS would refuse it. Answers can be scripted (`failNext`) to try retries.

export type SesReceived = { from: string; to: string[]; raw: string };
export type ScriptedAnswer = { status: number; retryAfter?: string };

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

export async function startSesServer({
  region = 'eu-west-1',
  accessKeyId = 'AKIAGROUNDWORKTEST01',
  secretAccessKey = 'groundwork-test-secret-access-key',
} = {}) {
  const received: SesReceived[] = [];
  const answers: ScriptedAnswer[] = [];
  /** Every request, with the status it got. */
  const requests: Array<{ status: number; at: number }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        requests.push({ status, at: Date.now() });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails') {
        return answer(404, { message: `no route ${req.method} ${req.url}` });
      }
      const refusal = checkSignature(req.method, req.url, req.headers, body, {
        region,
        accessKeyId,
        secretAccessKey,
      });
      if (refusal) {
        return answer(403, { message: refusal }, { 'x-amzn-errortype': 'SignatureDoesNotMatch' });
      }
      const scripted = answers.shift();
      if (scripted) {
        return answer(
          scripted.status,
          { message: `scripted ${scripted.status}` },
          scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {},
        );
      }
      const request = JSON.parse(body.toString('utf8'));
      const data = request?.Content?.Raw?.Data;
      const to = request?.Destination?.ToAddresses;
      if (
        typeof data !== 'string' ||
        !Array.isArray(to) ||
        typeof request.FromEmailAddress !== 'string'
      ) {
        return answer(400, {
          message:
            'BadRequestException: Content.Raw.Data, Destination and FromEmailAddress are required',
        });
      }
      received.push({
        from: request.FromEmailAddress,
        to,
        raw: Buffer.from(data, 'base64').toString('utf8'),
      });
      answer(200, { MessageId: `test-${received.length}` });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    /** What the app needs to send here. */
    env: {
      SES_REGION: region,
      SES_ACCESS_KEY_ID: accessKeyId,
      SES_SECRET_ACCESS_KEY: secretAccessKey,
      SES_ENDPOINT: url,
    },
    received,
    requests,
    /** The next requests with a valid signature get these answers, in order. */
    failNext(...scripted: ScriptedAnswer[]) {
      answers.push(...scripted);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Credentials = { region: string; accessKeyId: string; secretAccessKey: string };

// Returns why AWS would refuse the request's signature, or undefined when it is valid.
function checkSignature(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  { region, accessKeyId, secretAccessKey }: Credentials,
): string | undefined {
  const match = String(headers.authorization ?? '').match(
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/,
  );
  if (!match) return 'missing or malformed Authorization header';
  const [, keyId, day, scopeRegion, service, signedHeaders, signature] =
    match as unknown as string[];
  if (keyId !== accessKeyId) return 'unknown access key id';
  if (scopeRegion !== region || service !== 'ses') return `wrong scope ${scopeRegion}/${service}`;
  const amzDate = String(headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(`${day}T`)) return 'x-amz-date does not match the credential scope';
  const when = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  if (!(Math.abs(Date.now() - when) < 15 * 60_000)) return 'request time too skewed';
  const names = (signedHeaders as string).split(';');
  if (!names.includes('host') || !names.includes('x-amz-date'))
    return 'host and x-amz-date must be signed';
  const payloadHash = sha256(body);
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== payloadHash)
    return 'body does not match x-amz-content-sha256';
  const canonicalRequest = [
    method,
    path,
    '',
    ...names.map(
      (name) =>
        `${name}:${String(headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}`,
    ),
    '',
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/ses/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = ['ses', 'aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(`AWS4${secretAccessKey}`, day as string), region),
  );
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(signature as string, 'hex');
  return timingSafeEqual(expected, given) ? undefined : 'signature does not match';
}
