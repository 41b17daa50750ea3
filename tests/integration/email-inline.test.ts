import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { outbox, sendEmail } from '../../src/core/email/email.ts';
import { features } from '../../src/features/index.ts';
import { project } from '../../src/project.ts';
import { startTestApp } from '../helpers/app.ts';
import { captureServices } from '../helpers/services.ts';

// Without the jobs feature, the same sendEmail() runs its job during enqueue: the email is out
// (here: in the outbox) when the call returns, and a failure would reject the call.
const capture = captureServices();
let app: Awaited<ReturnType<typeof startTestApp>>;
before(async () => {
  app = await startTestApp({
    features: [...features.filter((f) => f.name !== 'jobs'), capture.feature],
  });
});
after(() => app.close());

test('without the job queue, email is sent inline', async () => {
  assert.equal(capture.services.jobs.mode, 'inline');
  await sendEmail(capture.services, {
    to: 'inline@example.com',
    template: 'notice',
    subject: 'errors.tooMany.title',
    lang: project.defaultLocale,
    locals: { heading: 'errors.csrf.title', body: 'errors.csrf.body' },
  });
  assert.ok(await app.db.collection(outbox).findOne({ to: 'inline@example.com' }));
  await assert.rejects(
    sendEmail(capture.services, {
      to: 'not an address',
      template: 'notice',
      subject: 'x',
      lang: project.defaultLocale,
    }),
    { name: 'JobPayloadError' },
  );
});
