// Email through Amazon SES's v2 API, against a stand-in on loopback that checks the request's
// format and its AWS Signature Version 4 (tests/helpers/ses-server.ts).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import { loadConfig } from '../../src/config.ts';
import { ConfigError, maskedConfig } from '../../src/core/config/config.ts';
import { outbox } from '../../src/core/email/email.ts';
import { SES_ATTEMPTS, SesRefusedError } from '../../src/core/email/ses.ts';
import { PermanentError } from '../../src/core/jobs/jobs.ts';
import { features } from '../../src/features/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { defaultLocale, tr } from '../helpers/i18n.ts';
import { captureServices } from '../helpers/services.ts';
import { startSesServer } from '../helpers/ses-server.ts';

const notice = {
  template: 'notice',
  subject: 'errors.tooMany.title',
  lang: defaultLocale,
  locals: {
    heading: 'errors.csrf.title',
    body: 'errors.csrf.body',
    actionUrl: 'https://app.example.org/profile',
    actionLabel: 'nav.profile',
  },
};

// The header as sent (mailparser turns List-* headers into objects).
const headerLine = (parsed: ParsedMail, key: string) =>
  parsed.headerLines.find((h) => h.key === key)?.line.replace(/^[^:]+: /, '');

describe('email through Amazon SES', () => {
  let ses: Awaited<ReturnType<typeof startSesServer>>;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const capture = captureServices();
  const send = (to: string, extra: { unsubscribeUrl?: string } = {}) =>
    capture.services.email.send({ ...notice, to, ...extra });
  before(async () => {
    ses = await startSesServer();
    app = await startTestApp({
      features: [...features, capture.feature],
      env: { ...ses.env, EMAIL_FROM: 'Groundwork <no-reply@example.org>' },
    });
  });
  beforeEach(() => {
    ses.requests.length = 0;
  });
  after(async () => {
    await app.close();
    await ses.close();
  });

  test('a signed SendEmail request carries both parts, the sender and List-Unsubscribe', async () => {
    assert.equal(capture.services.email.transport.name, 'ses');
    await send('ana@example.org', { unsubscribeUrl: 'https://app.example.org/unsubscribe/abc' });
    assert.deepEqual(
      ses.requests.map((r) => r.status),
      [200],
    );
    const mail = ses.received.at(-1);
    assert.equal(mail?.from, 'Groundwork <no-reply@example.org>');
    assert.deepEqual(mail?.to, ['ana@example.org']);
    assert.match(mail?.raw ?? '', /^Content-Type: multipart\/alternative;/m);
    const parsed = await simpleParser(mail?.raw ?? '');
    assert.equal(parsed.subject, tr(defaultLocale, 'errors.tooMany.title'));
    assert.deepEqual(parsed.from?.value, [{ address: 'no-reply@example.org', name: 'Groundwork' }]);
    assert.ok(parsed.text?.includes('https://app.example.org/profile'));
    assert.ok(
      typeof parsed.html === 'string' && parsed.html.includes('https://app.example.org/profile'),
    );
    assert.equal(
      headerLine(parsed, 'list-unsubscribe'),
      '<https://app.example.org/unsubscribe/abc>',
    );
    assert.equal(headerLine(parsed, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.equal(await app.db.collection(outbox).countDocuments({}), 0, 'nothing in the outbox');
  });

  test('a sign-in style email (no unsubscribe address) has no List-Unsubscribe', async () => {
    await send('bob@example.org');
    const parsed = await simpleParser(ses.received.at(-1)?.raw ?? '');
    assert.equal(headerLine(parsed, 'list-unsubscribe'), undefined);
  });

  test('429 and 5xx are retried (Retry-After honoured), then the email goes out', async () => {
    ses.failNext({ status: 503 }, { status: 429, retryAfter: '1' });
    const sent = ses.received.length;
    await send('retry@example.org');
    const statuses = ses.requests.map((r) => r.status);
    assert.deepEqual(statuses, [503, 429, 200]);
    assert.ok(
      (ses.requests[2]?.at ?? 0) - (ses.requests[1]?.at ?? 0) >= 900,
      'waited as Retry-After asked',
    );
    assert.equal(ses.received.length, sent + 1);
  });

  test(`after ${SES_ATTEMPTS} failing answers the send fails, retryable (the job queue tries again)`, async () => {
    ses.failNext(...Array.from({ length: SES_ATTEMPTS }, () => ({ status: 500 })));
    await assert.rejects(send('down@example.org'), (error) => {
      assert.ok(!(error instanceof PermanentError), 'a later attempt may work');
      assert.match((error as Error).message, /SES answered HTTP 500/);
      return true;
    });
    assert.equal(ses.requests.length, SES_ATTEMPTS);
  });

  test('a 4xx refusal is not retried: a permanent error, one request', async () => {
    ses.failNext({ status: 400 });
    await assert.rejects(send('refused@example.org'), (error) => {
      assert.ok(error instanceof SesRefusedError && error instanceof PermanentError);
      assert.equal(error.status, 400);
      return true;
    });
    assert.deepEqual(
      ses.requests.map((r) => r.status),
      [400],
    );
  });

  test('a wrong secret key is refused by the signature check, and not retried', async () => {
    const wrong = await startTestApp({
      features: [...features, capture.feature],
      env: { ...ses.env, SES_SECRET_ACCESS_KEY: 'not-the-secret-access-key' },
    });
    try {
      await assert.rejects(send('eve@example.org'), /HTTP 403.*signature does not match/);
      assert.deepEqual(
        ses.requests.map((r) => r.status),
        [403],
      );
    } finally {
      await wrong.close();
    }
  });
});

describe('SES settings', () => {
  const load = (env: Record<string, string>) =>
    loadConfig({ cwd: '/nonexistent', env: { NODE_ENV: 'test', ...env } });

  test('a partial set names what is missing', () => {
    assert.throws(
      () => load({ SES_REGION: 'eu-west-1', SES_ACCESS_KEY_ID: 'AKIAGROUNDWORKTEST01' }),
      (error) =>
        error instanceof ConfigError &&
        /^SES_SECRET_ACCESS_KEY: required with SES_REGION, SES_ACCESS_KEY_ID/.test(
          error.problems[0] ?? '',
        ),
    );
  });

  test('SMTP and SES together are refused; a bad region is named', () => {
    const ses = {
      SES_REGION: 'eu-west-1',
      SES_ACCESS_KEY_ID: 'AKIAGROUNDWORKTEST01',
      SES_SECRET_ACCESS_KEY: 'groundwork-test-secret-access-key',
    };
    assert.throws(
      () => load({ ...ses, SMTP_URL: 'smtp://127.0.0.1:25' }),
      /SMTP_URL and SES_REGION: both set/,
    );
    assert.throws(
      () => load({ ...ses, SES_REGION: 'Ireland' }),
      /SES_REGION \(got "Ireland" from environment\): must be an AWS region/,
    );
  });

  test('the secret key is masked wherever the configuration is shown', () => {
    const config = load({
      SES_REGION: 'eu-west-1',
      SES_ACCESS_KEY_ID: 'AKIAGROUNDWORKTEST01',
      SES_SECRET_ACCESS_KEY: 'groundwork-test-secret-access-key',
    });
    assert.equal(maskedConfig(config).SES_SECRET_ACCESS_KEY, '********');
  });
});
