import { createRequire } from 'node:module';
import type { Config } from '../config/config.ts';
import { PermanentError } from '../jobs/jobs.ts';
import type { EmailMessage, EmailTransport } from './message.ts';

// Amazon SES through its v2 HTTP API (docs/decisions/0125): the message is built as MIME by
// nodemailer's composer, as for SMTP, so both transports send the same bytes (both parts, every
// header), and posted as SendEmail's raw content, signed with AWS Signature Version 4 by the
// signer the AWS SDK itself uses. The libraries are loaded at the first email, as nodemailer is
// for SMTP: with the job queue the web process never sends.

const require = createRequire(import.meta.url);

/** Requests one send makes at most; the job queue retries the send later (attempts, backoff). */
export const SES_ATTEMPTS = 3;
const FIRST_DELAY_MS = 250;
/** A Retry-After longer than this is left to the job queue's backoff. */
const MAX_WAIT_MS = 5_000;
const TIMEOUT_MS = 15_000;

export type SesSettings = {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Default https://email.<region>.amazonaws.com; tests point it at a server on loopback. */
  endpoint?: string | undefined;
};

export const sesSettingsOf = (config: Config): SesSettings | undefined =>
  config.SES_REGION && config.SES_ACCESS_KEY_ID && config.SES_SECRET_ACCESS_KEY
    ? {
        region: config.SES_REGION,
        accessKeyId: config.SES_ACCESS_KEY_ID,
        secretAccessKey: config.SES_SECRET_ACCESS_KEY,
        endpoint: config.SES_ENDPOINT,
      }
    : undefined;

/** SES answered with an error that another try will not fix (4xx other than 429). */
export class SesRefusedError extends PermanentError {
  readonly status: number;
  constructor(status: number, body: string) {
    super(`SES refused the email (HTTP ${status}): ${body.slice(0, 500)}`);
    this.name = 'SesRefusedError';
    this.status = status;
  }
}

export function sesTransport(settings: SesSettings): EmailTransport {
  const endpoint = new URL(
    '/v2/email/outbound-emails',
    settings.endpoint ?? `https://email.${settings.region}.amazonaws.com`,
  );
  let signer: import('@smithy/signature-v4').SignatureV4 | undefined;
  return {
    name: 'ses',
    async deliver(message) {
      const raw = await mime(message);
      const body = JSON.stringify({
        FromEmailAddress: message.from,
        Destination: { ToAddresses: [message.to] },
        Content: { Raw: { Data: raw.toString('base64') } },
      });
      signer ??= createSigner(settings);
      for (let attempt = 1; ; attempt++) {
        const signed = await signer.sign({
          method: 'POST',
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
          path: endpoint.pathname,
          query: {},
          headers: { host: endpoint.host, 'content-type': 'application/json' },
          body,
        });
        const wait = await post(endpoint, signed.headers, body).then(
          ({ status, text, retryAfter }) => {
            if (status >= 200 && status < 300) return undefined;
            if (status !== 429 && status < 500) throw new SesRefusedError(status, text);
            return {
              error: new Error(`SES answered HTTP ${status}: ${text.slice(0, 500)}`),
              retryAfter,
            };
          },
          (error: Error) => ({ error, retryAfter: undefined }),
        );
        if (!wait) return;
        const delay = wait.retryAfter ?? FIRST_DELAY_MS * 2 ** (attempt - 1);
        if (attempt >= SES_ATTEMPTS || delay > MAX_WAIT_MS) throw wait.error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    },
  };
}

function createSigner({ region, accessKeyId, secretAccessKey }: SesSettings) {
  const { SignatureV4 } = require('@smithy/signature-v4') as typeof import('@smithy/signature-v4');
  const { Hash } = require('@smithy/hash-node') as typeof import('@smithy/hash-node');
  return new SignatureV4({
    service: 'ses',
    region,
    credentials: { accessKeyId, secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
  });
}

async function mime({ from, to, subject, text, html, headers }: EmailMessage): Promise<Buffer> {
  // The CommonJS build exports the class itself.
  const MailComposer =
    require('nodemailer/lib/mail-composer') as typeof import('nodemailer/lib/mail-composer').default;
  return new MailComposer({ from, to, subject, text, html, ...(headers ? { headers } : {}) })
    .compile()
    .build();
}

type Answer = { status: number; text: string; retryAfter: number | undefined };

// node:http(s) rather than fetch: fetch would load Node's fetch client, 13 MB, into the process
// that sends (docs/decisions/0090).
function post(url: URL, headers: Record<string, string>, body: string): Promise<Answer> {
  const { request } = process.getBuiltinModule(
    url.protocol === 'http:' ? 'node:http' : 'node:https',
  ) as typeof import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            retryAfter: retryAfterMs(res.headers['retry-after']),
          }),
        );
      },
    );
    req.setTimeout(TIMEOUT_MS, () =>
      req.destroy(new Error(`SES did not answer in ${TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
