import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { outbox } from '../../src/core/email/email.ts';
import { features } from '../../src/features/index.ts';
import { project } from '../../src/project.ts';
import { startTestApp } from '../helpers/app.ts';
import { createClient } from '../helpers/client.ts';
import { defaultLocale, html, otherLocale, tr } from '../helpers/i18n.ts';
import { captureServices } from '../helpers/services.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

const notice = {
  template: 'notice',
  subject: 'errors.tooMany.title',
  locals: {
    heading: 'errors.csrf.title',
    body: 'errors.csrf.body',
    actionUrl: 'http://127.0.0.1/profile?a=1&b=2',
    actionLabel: 'nav.profile',
  },
};

describe('email through the development outbox', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const capture = captureServices();
  before(async () => {
    app = await startTestApp({ features: [...features, capture.feature] });
  });
  after(() => app.close());

  test('a localized email is stored with its HTML and text parts', async () => {
    assert.equal(capture.services.email.transport.name, 'outbox');
    const lang = otherLocale ?? defaultLocale;
    await capture.services.email.send({ ...notice, to: 'ana@example.org', lang });
    const stored = await app.db.collection(outbox).findOne({ to: 'ana@example.org' });
    assert.ok(stored);
    const heading = tr(lang, 'errors.csrf.title');
    assert.equal(stored.subject, tr(lang, 'errors.tooMany.title'));
    assert.equal(stored.from, `${project.name} <${project.contactEmail}>`);
    assert.ok(stored.html.startsWith(`<!DOCTYPE html><html lang="${lang}">`));
    assert.ok(stored.html.includes(html(heading)));
    assert.match(stored.html, /href="http:\/\/127.0.0.1\/profile\?a=1&amp;b=2"/);
    assert.ok(stored.text.startsWith(`${heading}\n\n`));
    assert.ok(stored.text.includes(`${tr(lang, 'nav.profile')}: http://127.0.0.1/profile?a=1&b=2`));
    assert.doesNotMatch(stored.text, /<|&amp;/);
  });

  test('/debug/emails lists the outbox in development, links clickable', async () => {
    const page = await createClient(app.baseUrl).get('/debug/emails');
    assert.equal(page.status, 200);
    assert.match(page.text, /data-testid="email-to">ana@example.org</);
    assert.match(page.text, /<a class="link" href="http:\/\/127.0.0.1\/profile\?a=1&amp;b=2">/);
    assert.doesNotMatch(page.text, /\sstyle="/, 'the HTML part (inline styles) is not embedded');
  });
});

describe('email through SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const capture = captureServices();
  before(async () => {
    smtp = await startSmtpServer();
    app = await startTestApp({
      features: [...features, capture.feature],
      env: { SMTP_URL: smtp.url, EMAIL_FROM: 'Groundwork <no-reply@example.org>' },
    });
  });
  after(async () => {
    await app.close();
    await smtp.close();
  });

  test('a real SMTP server receives a multipart message with both parts', async () => {
    assert.equal(capture.services.email.transport.name, 'smtp');
    await capture.services.email.send({
      ...notice,
      to: 'bob@example.org',
      lang: defaultLocale,
      unsubscribeUrl: 'https://app.example.org/unsubscribe/abc',
    });
    assert.equal(smtp.received.length, 1);
    const [mail] = smtp.received;
    assert.equal(mail?.from, 'no-reply@example.org');
    assert.deepEqual(mail?.to, ['bob@example.org']);
    const raw = mail?.raw ?? '';
    assert.match(raw, /^Content-Type: multipart\/alternative;/m);
    assert.match(raw, /^Content-Type: text\/plain; charset=utf-8\r?$/m);
    assert.match(raw, /^Content-Type: text\/html; charset=utf-8\r?$/m);
    // Decoded as a mail client would: headers and parts may be encoded for any language.
    const parsed = await simpleParser(raw);
    assert.equal(parsed.subject, tr(defaultLocale, 'errors.tooMany.title'));
    assert.deepEqual(parsed.from?.value, [{ address: 'no-reply@example.org', name: 'Groundwork' }]);
    assert.ok(
      parsed.text?.includes(`${tr(defaultLocale, 'nav.profile')}: ${notice.locals.actionUrl}`),
    );
    assert.ok(
      typeof parsed.html === 'string' &&
        parsed.html.includes('href="http://127.0.0.1/profile?a=1&amp;b=2"'),
    );
    assert.match(raw, /^List-Unsubscribe: <https:\/\/app\.example\.org\/unsubscribe\/abc>\r?$/m);
    assert.match(raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    assert.equal(await app.db.collection(outbox).countDocuments({}), 0, 'nothing in the outbox');
  });

  test('a refused login is an error the caller sees, not a silent loss', async () => {
    const wrong = await startTestApp({
      env: { SMTP_URL: smtp.url.replace(':secret@', ':wrong@') },
      features: [...features, capture.feature],
    });
    try {
      await assert.rejects(
        capture.services.email.send({ ...notice, to: 'eve@example.org', lang: defaultLocale }),
        /Invalid login|invalid credentials/i,
      );
    } finally {
      await wrong.close();
    }
  });
});
