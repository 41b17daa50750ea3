import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { type Client, createClient, csrfTokenOf } from '../../../tests/helpers/client.ts';
import { defaultLocale, html, otherLocale, tr } from '../../../tests/helpers/i18n.ts';
import { latestEmail } from '../../../tests/helpers/outbox.ts';
import { startSmtpServer } from '../../../tests/helpers/smtp.ts';
import { sessions } from '../../core/auth/sessions.ts';
import { users } from '../../core/auth/users.ts';
import { ConfigError } from '../../core/config/config.ts';
import { outbox } from '../../core/email/email.ts';
import { project } from '../../project.ts';
import { features } from '../index.ts';
import { magicLinkClaims, magicLinks } from './tokens.ts';

const lang = otherLocale ?? defaultLocale;
// Browsers here send no Accept-Language: pages come in the default language.
const text = (key: string) => html(tr(defaultLocale, key));

let app: Awaited<ReturnType<typeof startTestApp>>;
let ips = 0;
// Each browser gets its own address (the app trusts X-Forwarded-For here): per-IP limits are tested
// on purpose below, not hit by accident.
const browser = () => createClient(app.baseUrl, { ip: `198.51.100.${++ips}` });
const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}@example.org`;

async function requestLink(client: Client, email: string, extra: Record<string, string> = {}) {
  const token = await client.csrf(client.jar.has('sid') ? '/profile' : '/login');
  return client.post('/auth/magic-link', { form: { _csrf: token, email, ...extra } });
}

async function confirm(client: Client, path: string, form: Record<string, string> = {}) {
  const page = await client.get(path);
  return client.post(path, { form: { _csrf: csrfTokenOf(page), ...form } });
}

const counts = async () => ({
  links: await app.db.collection(magicLinks).countDocuments({}),
  emails: await app.db.collection(outbox).countDocuments({}),
  users: await app.db.collection(users).countDocuments({}),
  claims: await app.db.collection(magicLinkClaims).countDocuments({}),
});

describe('magic links', () => {
  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true', RATE_LIMIT_PER_MINUTE: '1000' } });
  });
  after(() => app.close());

  test('sign-in: email, confirm page, then the account is created and signed in', async () => {
    const client = browser();
    const address = unique('new');
    const res = await requestLink(client, address, { next: '/profile' });
    assert.equal(res.status, 200);
    assert.ok(res.text.includes(text('magic-link:sent.title')));
    const email = await latestEmail(app.db, address);
    assert.equal(email.subject, tr(defaultLocale, 'magic-link:email.subject'));
    assert.ok(email.html.includes(html(project.name)));
    assert.ok(email.path && email.code);
    assert.equal(await app.db.collection(users).countDocuments({ email: address }), 0);
    const page = await client.get(email.path);
    assert.equal(page.status, 200);
    assert.ok(
      page.text.includes(html(tr(defaultLocale, 'magic-link:confirm.as', { email: address }))),
    );
    assert.doesNotMatch(page.text, /name="code"/, 'the same browser needs no code');
    const signedIn = await client.post(email.path, { form: { _csrf: csrfTokenOf(page) } });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.location, '/profile');
    const profile = await client.get('/profile');
    assert.equal(profile.status, 200);
    assert.match(profile.text, new RegExp(`data-testid="email">${address}<`));
    assert.equal(await app.db.collection(users).countDocuments({ email: address }), 1);
  });

  test('the token is 256 bits, stored only as a hash, with a 10-minute expiry', async () => {
    const client = browser();
    const address = unique('stored');
    await requestLink(client, address);
    const { path } = await latestEmail(app.db, address);
    const token = path?.split('/').pop() ?? '';
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    const stored = await app.db.collection(magicLinks).findOne({ email: address });
    assert.ok(stored);
    assert.notEqual(stored._id, token);
    assert.equal(JSON.stringify(stored).includes(token), false);
    const ttl = stored.expiresAt.getTime() - stored.createdAt.getTime();
    assert.equal(ttl, 10 * 60_000);
  });

  test('opening the link changes nothing (mail scanners): only the POST consumes it', async () => {
    const client = browser();
    const address = unique('scanner');
    await requestLink(client, address);
    const { path } = await latestEmail(app.db, address);
    assert.ok(path);
    for (let i = 0; i < 3; i++)
      assert.equal((await createClient(app.baseUrl).get(path)).status, 200);
    assert.equal((await confirm(client, path)).status, 303);
  });

  test('replayed token -> rejected', async () => {
    const client = browser();
    const address = unique('replay');
    await requestLink(client, address);
    const { path } = await latestEmail(app.db, address);
    assert.ok(path);
    const page = await client.get(path);
    const token = csrfTokenOf(page);
    assert.equal((await client.post(path, { form: { _csrf: token } })).status, 303);
    const again = await client.post(path, {
      form: { _csrf: csrfTokenOf(await client.get('/profile')) },
    });
    assert.equal(again.status, 400);
    assert.ok(again.text.includes(text('magic-link:invalid.title')));
    assert.equal((await client.get(path)).status, 400);
  });

  test('concurrent confirmations of one link: exactly one signs in', async () => {
    const client = browser();
    const address = unique('race');
    await requestLink(client, address);
    const { path } = await latestEmail(app.db, address);
    assert.ok(path);
    const token = csrfTokenOf(await client.get(path));
    const results = await Promise.all(
      Array.from({ length: 6 }, () => client.post(path, { form: { _csrf: token } })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [303, 400, 400, 400, 400, 400]);
  });

  test('expired token -> rejected, no session', async () => {
    const client = browser();
    const address = unique('expired');
    await requestLink(client, address);
    const { path } = await latestEmail(app.db, address);
    assert.ok(path);
    const page = await client.get(path);
    await app.db
      .collection(magicLinks)
      .updateOne({ email: address }, { $set: { expiresAt: new Date(Date.now() - 1) } });
    assert.equal((await client.get(path)).status, 400);
    const res = await client.post(path, { form: { _csrf: csrfTokenOf(page) } });
    assert.equal(res.status, 400);
    assert.equal((await client.get('/profile')).status, 302);
  });

  test('tampered token -> rejected, and the real one still works', async () => {
    const client = browser();
    const address = unique('tamper');
    await requestLink(client, address);
    const { path } = await latestEmail(app.db, address);
    assert.ok(path);
    const last = path.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `${path.slice(0, -1)}${last}`;
    assert.equal((await client.get(tampered)).status, 400);
    const token = csrfTokenOf(await client.get(path));
    assert.equal((await client.post(tampered, { form: { _csrf: token } })).status, 400);
    assert.equal((await client.get(`${path}x`)).status, 400);
    assert.equal((await client.get('/auth/verify/%7B%22%24ne%22%3A1%7D')).status, 400);
    assert.equal((await confirm(client, path)).status, 303);
  });

  test('another browser without the code -> asked for it, not signed in; with it -> signed in', async () => {
    const asker = browser();
    const address = unique('elsewhere');
    await requestLink(asker, address);
    const { path, code } = await latestEmail(app.db, address);
    assert.ok(path && code);
    const other = browser();
    const page = await other.get(path);
    assert.match(page.text, /name="code"/);
    assert.doesNotMatch(page.text, new RegExp(address), 'the address is not shown elsewhere');
    const without = await other.post(path, { form: { _csrf: csrfTokenOf(page) } });
    assert.equal(without.status, 400);
    assert.ok(without.text.includes(text('magic-link:errors.code')));
    assert.equal((await other.get('/profile')).status, 302);
    const withCode = await other.post(path, { form: { _csrf: csrfTokenOf(page), code } });
    assert.equal(withCode.status, 303);
    assert.equal((await other.get('/profile')).status, 200);
  });

  test('brute-forced code -> the link dies after 5 wrong codes, even for the right one', async () => {
    const asker = browser();
    const address = unique('brute');
    await requestLink(asker, address);
    const { path, code } = await latestEmail(app.db, address);
    assert.ok(path && code);
    const attacker = browser();
    const token = csrfTokenOf(await attacker.get(path));
    const wrong = (n: number) => String((Number(code) + n) % 1_000_000).padStart(6, '0');
    // Sent at once: the attempt is counted atomically before the code is compared.
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7].map((n) =>
        attacker.post(path, { form: { _csrf: token, code: wrong(n) } }),
      ),
    );
    assert.ok(results.every((r) => r.status === 400));
    const right = await attacker.post(path, { form: { _csrf: token, code } });
    assert.equal(right.status, 400);
    assert.ok(right.text.includes(text('magic-link:invalid.title')));
    const owner = await asker.post(path, { form: { _csrf: await asker.csrf('/login') } });
    assert.equal(owner.status, 400, 'dead for everyone');
    assert.equal((await attacker.get('/profile')).status, 302);
  });

  test('code attempts are also limited per IP -> 429 with Retry-After', async () => {
    const attacker = browser();
    const asker = browser();
    const address = unique('ip-limit');
    await requestLink(asker, address);
    const { path } = await latestEmail(app.db, address);
    assert.ok(path);
    const token = csrfTokenOf(await attacker.get(path));
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await attacker.post(path, { form: { _csrf: token, code: '000000' } });
      statuses.push(res.status);
      if (res.status === 429) {
        assert.ok(Number(res.headers['retry-after']) > 0);
        break;
      }
    }
    assert.equal(statuses.at(-1), 429, statuses.join(','));
  });

  test('enumeration: an existing and an unknown address get identical responses', async () => {
    const existing = unique('exists');
    const client = browser();
    await requestLink(client, existing);
    const first = await latestEmail(app.db, existing);
    assert.ok(first.path);
    await confirm(client, first.path);
    assert.equal(await app.db.collection(users).countDocuments({ email: existing }), 1);
    // One plain and one HTMX request per address, each from a new browser.
    const answers = [];
    for (const address of [existing, unique('nobody')]) {
      for (const headers of [{}, { 'HX-Request': 'true' }] as Array<Record<string, string>>) {
        const c = browser();
        const res = await c.post('/auth/magic-link', {
          form: { _csrf: await c.csrf('/login'), email: address },
          headers,
        });
        answers.push({
          status: res.status,
          body: res.text,
          headers: Object.keys(res.headers).sort().join(','),
        });
      }
    }
    assert.equal(answers[0]?.status, 200);
    assert.deepEqual(answers[0], answers[2]);
    assert.deepEqual(answers[1], answers[3]);
  });

  test('security review 1: without PUBLIC_URL a forged Host header never reaches a sign-in link', async () => {
    const client = browser();
    const address = unique('host');
    // A request from a script, not a browser: no Origin, so the token alone decides.
    const forged = { Host: 'evil.example', Origin: '' };
    const token = csrfTokenOf(await client.get('/login', { headers: forged }));
    const res = await client.post('/auth/magic-link', {
      form: { _csrf: token, email: address },
      headers: forged,
    });
    assert.equal(res.status, 200);
    const email = await latestEmail(app.db, address);
    assert.doesNotMatch(email.text + email.html, /evil\.example/);
    assert.equal(new URL(email.url ?? '').hostname, 'localhost', 'a loopback origin instead');
  });

  test('per-email limit: a 4th request from one IP within 15 minutes -> 429, and no 4th email', async () => {
    const address = unique('flood');
    const client = browser();
    for (let i = 0; i < 3; i++) assert.equal((await requestLink(client, address)).status, 200);
    const res = await requestLink(client, address);
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.ok(res.text.includes(text('errors.tooMany.title')));
    assert.equal(await app.db.collection(outbox).countDocuments({ to: address }), 3);
  });

  test('security review 7: asking for links to someone else does not lock the owner out, and a flood stops at the hourly cap except for the browser that signed in', async () => {
    const victim = unique('victim');
    const emails = () => app.db.collection(outbox).countDocuments({ to: victim });
    // The owner signs in once in their browser.
    const owner = browser();
    assert.equal((await requestLink(owner, victim)).status, 200);
    const link = await latestEmail(app.db, victim);
    assert.equal((await confirm(owner, link.path ?? '')).status, 303);

    // Someone else asks for the owner's links from one address until refused...
    const attacker = browser();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await requestLink(attacker, victim)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    // ...which leaves another person at another address (a new device of the owner) unaffected.
    assert.equal((await requestLink(browser(), victim)).status, 200);
    // A flood from many addresses stops at 10 emails an hour for the address (the owner's one,
    // the attacker's three, one from a new device so far)...
    for (let i = 0; i < 5; i++) assert.equal((await requestLink(browser(), victim)).status, 200);
    assert.equal(await emails(), 10);
    assert.equal((await requestLink(browser(), victim)).status, 429);
    assert.equal(await emails(), 10);
    // ...but the browser that signed in with it still gets its link.
    assert.equal((await requestLink(owner, victim)).status, 200);
    assert.equal(await emails(), 11);
  });

  test('per-IP limit: one address asking for many emails -> 429', async () => {
    const client = browser();
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push((await requestLink(client, unique('ip'))).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
    assert.equal(statuses[10], 429);
  });

  test('NoSQL operator injection in JSON and in form brackets -> 400 before any query', async () => {
    const client = browser();
    const token = await client.csrf('/login');
    const before = await counts();
    const json = await client.post('/auth/magic-link', {
      json: { _csrf: token, email: { $ne: null } },
    });
    assert.equal(json.status, 400);
    for (const name of ['email[$ne]', 'email[$gt]', 'email.$regex', 'email[]']) {
      const res = await client.post('/auth/magic-link', {
        form: [
          ['_csrf', token],
          [name, ''],
        ],
      });
      assert.equal(res.status, 400, name);
    }
    const asker = browser();
    await requestLink(asker, unique('inject-code'));
    const path = (
      await app.db.collection(outbox).find().sort({ createdAt: -1 }).next()
    )?.text.match(/\/auth\/verify\/[\w-]+/)?.[0];
    assert.ok(path);
    const codeJson = await client.post(path, { json: { _csrf: token, code: { $ne: null } } });
    assert.equal(codeJson.status, 400);
    const codeForm = await client.post(path, {
      form: [
        ['_csrf', token],
        ['code[$ne]', '1'],
      ],
    });
    assert.equal(codeForm.status, 400);
    const after = await counts();
    assert.deepEqual(after, { ...before, links: before.links + 1, emails: before.emails + 1 });
    assert.equal(
      await app.db.collection(magicLinkClaims).countDocuments({}),
      before.claims,
      'no attempt was counted: nothing reached a query',
    );
  });

  test('open redirect through ?next: only same-origin paths are kept', async () => {
    const client = browser();
    const address = unique('next');
    await requestLink(client, address, { next: '//evil.example/x' });
    const { path } = await latestEmail(app.db, address);
    assert.ok(path);
    const res = await confirm(client, path);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/');
  });

  test('session fixation: a session id from before sign-in is never kept', async () => {
    const client = browser();
    const address = unique('fixation');
    await requestLink(client, address);
    const first = await latestEmail(app.db, address);
    assert.ok(first.path);
    await confirm(client, first.path);
    const before = client.jar.get('sid') ?? '';
    await requestLink(client, address);
    const second = await latestEmail(app.db, address);
    assert.ok(second.path);
    await confirm(client, second.path);
    const after = client.jar.get('sid') ?? '';
    assert.notEqual(before, after);
    const user = await app.db.collection(users).findOne({ email: address });
    assert.equal(await app.db.collection(sessions).countDocuments({ userId: user?._id }), 1);
  });

  test('an invalid address re-shows the form with the error announced', async () => {
    const client = browser();
    const token = await client.csrf('/login');
    const res = await client.post('/auth/magic-link', {
      form: { _csrf: token, email: 'not-an-email' },
      headers: { 'HX-Request': 'true', 'Accept-Language': lang },
    });
    assert.equal(res.status, 400);
    assert.ok(
      res.text.includes(`role="alert">${html(tr(lang, 'magic-link:errors.email'))}`),
      res.text,
    );
    assert.match(res.text, /aria-invalid="true"/);
  });
});

// Without the job queue (by name: it may be removed), so emails are sent inline and can be read.
const inlineJobs = features.filter((feature) => feature.name !== 'jobs');

describe('magic links in production', () => {
  test('the link reaches a real SMTP server, built from PUBLIC_URL; the browser cookie is __Host-, Secure, HttpOnly, SameSite=Lax', async () => {
    const origin = 'https://app.example';
    const smtp = await startSmtpServer();
    const prod = await startTestApp({
      features: inlineJobs,
      env: { NODE_ENV: 'production', PUBLIC_URL: origin, SMTP_URL: smtp.url },
    });
    try {
      const client = createClient(prod.baseUrl, { origin });
      const token = await client.csrf('/login');
      const res = await client.post('/auth/magic-link', {
        form: { _csrf: token, email: 'prod@example.org' },
      });
      assert.equal(res.status, 200);
      const line = res.headers['set-cookie']?.find((l) => l.startsWith('__Host-magic=')) ?? '';
      assert.match(
        line,
        /^__Host-magic=[\w-]{43}; path=\/; expires=[^;]+; samesite=lax; secure; httponly$/,
      );
      assert.deepEqual(
        smtp.received.map((mail) => mail.to),
        [['prod@example.org']],
      );
      const mail = await simpleParser(smtp.received[0]?.raw ?? '');
      assert.ok(mail.text?.includes(`${origin}/auth/verify/`), 'links use PUBLIC_URL');
      assert.equal(await prod.db.collection(outbox).countDocuments({}), 0, 'nothing stored');
    } finally {
      await prod.close();
      await smtp.close();
    }
  });

  test('without PUBLIC_URL or SMTP_URL, production refuses to start, naming both', async () => {
    await assert.rejects(
      startTestApp({ features: inlineJobs, env: { NODE_ENV: 'production' } }),
      (error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PUBLIC_URL: required when NODE_ENV=production/);
        assert.match(error.message, /SMTP_URL: required when NODE_ENV=production/);
        return true;
      },
    );
  });
});
