import { createRequire } from 'node:module';
import { z } from 'zod';
import type { Locale } from '../../project.ts';
import { project } from '../../project.ts';
import type { Config } from '../config/config.ts';
import type { Router } from '../config/koa-router.ts';
import { type Database, defineCollection } from '../data/db.ts';
import type { Translators } from '../i18n/i18n.ts';
import { defineJob, type JobQueue } from '../jobs/jobs.ts';
import type { Lifecycle } from '../observability/lifecycle.ts';
import type { Logger } from '../observability/logger.ts';
import type { Views } from '../views/views.ts';
import type { EmailMessage, EmailTransport } from './message.ts';
import { sesSettingsOf, sesTransport } from './ses.ts';

export type { EmailMessage, EmailTransport };

export type OutboxEmail = EmailMessage & { createdAt: Date };
export const outbox = defineCollection<OutboxEmail>('devOutbox', [{ key: { createdAt: -1 } }]);

/** What a feature asks for: a template of views/emails/, in a language, with its values. */
export type EmailRequest = {
  to: string;
  /** views/emails/<template>.html.pug and .text.pug */
  template: string;
  /** i18n key of the subject; `locals` are its interpolation values too. */
  subject: string;
  lang: Locale;
  locals?: Record<string, string | number>;
  /** Where a recipient stops getting this kind of email (notices they subscribed to, not sign-in
   * links). Sent as List-Unsubscribe with one-click unsubscribe (RFC 8058): the URL must accept a
   * POST without cookies and a CSRF token. */
  unsubscribeUrl?: string;
};

/** Sample values of an email a feature sends, previewed in every language at /debug/templates. */
export type EmailPreview = Pick<EmailRequest, 'template' | 'subject' | 'locals'>;

// views/emails/notice: the one email the core itself can send.
export const noticePreview: EmailPreview = {
  template: 'notice',
  subject: 'common:emails.sample.subject',
  locals: {
    heading: 'common:emails.sample.heading',
    body: 'common:emails.sample.body',
    actionLabel: 'common:emails.sample.action',
    actionUrl: 'https://example.com/',
    name: project.name,
  },
};

export type Email = {
  transport: EmailTransport;
  /** The message `send` would deliver (for previews). */
  render(request: EmailRequest): EmailMessage;
  /**
   * The one way the app sends email. Requests are plain data, so that a job queue can carry them
   * and send from a worker later, through this same function.
   */
  send(request: EmailRequest): Promise<void>;
};

/** Which transport the configuration chooses (loadConfig refuses SMTP and SES together). */
export const emailTransportName = (config: Config): 'smtp' | 'ses' | 'outbox' =>
  config.SMTP_URL ? 'smtp' : sesSettingsOf(config) ? 'ses' : 'outbox';

// SMTP through nodemailer when SMTP_URL is set, Amazon SES's HTTP API when SES_REGION and its keys
// are (ses.ts); otherwise every email is stored in MongoDB and listed at /debug/emails, so
// sign-in links work in development with no mail server.
export function createEmailTransport(
  config: Config,
  db: Database,
  lifecycle: Lifecycle,
): EmailTransport {
  if (config.SMTP_URL) {
    const url = config.SMTP_URL;
    // Loaded at the first email: nodemailer costs an idle process several MB, and with the job
    // queue the web process never sends (the worker does).
    let smtp: ReturnType<typeof import('nodemailer').createTransport> | undefined;
    lifecycle.onShutdown(async () => smtp?.close());
    return {
      name: 'smtp',
      async deliver(message) {
        smtp ??= (
          createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer')
        ).createTransport(url);
        await smtp.sendMail(message);
      },
    };
  }
  const ses = sesSettingsOf(config);
  if (ses) return sesTransport(ses);
  return {
    name: 'outbox',
    async deliver(message) {
      await db.collection(outbox).insertOne({ ...message, createdAt: new Date() });
    },
  };
}

export function createEmail(
  config: Config,
  transport: EmailTransport,
  views: Views,
  translators: Translators,
  logger: Logger,
): Email {
  const from = config.EMAIL_FROM ?? `${project.name} <${project.contactEmail}>`;
  if (transport.name === 'outbox' && config.production) {
    logger.warn(
      'Neither SMTP_URL nor SES_REGION is set: emails are stored in the devOutbox collection, not sent',
    );
  }
  return {
    transport,
    render({ to, template, subject, lang, locals = {}, unsubscribeUrl }) {
      const t = translators.get(lang);
      if (!t) throw new Error(`no translations for language "${lang}"`);
      const values = { ...locals, values: locals, t, lang, project };
      return {
        from,
        to,
        subject: t(subject, locals),
        html: views.render(`emails/${template}.html`, values),
        text: views.render(`emails/${template}.text`, values),
        ...(unsubscribeUrl ? { headers: unsubscribeHeaders(unsubscribeUrl) } : {}),
      };
    },
    async send(request) {
      await transport.deliver(this.render(request));
    },
  };
}

// Mail providers file bulk mail without these; one click unsubscribes without a visit (RFC 8058).
function unsubscribeHeaders(url: string) {
  return {
    'List-Unsubscribe': `<${url}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

// Development only (added to the /debug router): the stored emails, newest first, as text with
// their links clickable. The HTML part is not shown: its inline styles would break the page's CSP.
export function outboxRoutes(router: Router, db: Database) {
  router.get('/emails', async (ctx) => {
    const emails = await db.collection(outbox).find().sort({ createdAt: -1 }).limit(50).toArray();
    ctx.set('Cache-Control', 'no-store');
    ctx.render('debug/emails', {
      emails: emails.map((email) => ({ ...email, parts: linkParts(email.text) })),
    });
  });
}

function linkParts(text: string) {
  return text.split(/(https?:\/\/[^\s<>"]+)/).map((part, i) => ({ text: part, link: i % 2 === 1 }));
}

const emailRequestSchema = z.object({
  to: z.email(),
  template: z.string().regex(/^[\w-]+$/),
  subject: z.string().min(1),
  lang: z.string().min(2) as z.ZodType<Locale>,
  locals: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  unsubscribeUrl: z.url({ protocol: /^https?$/ }).optional(),
});

// Email goes out as a job: with the job queue, a worker sends it and retries a failing server
// (with backoff) without holding up the request; without the queue (the jobs feature removed, or
// no REDIS_URL in development) the same job runs during enqueue, so the email is sent inline.
// Retries can send twice when a server fails after accepting a message: better than never.
export const sendEmailJob = defineJob({
  name: 'core.send-email',
  payload: emailRequestSchema,
  attempts: 5,
  backoffMs: 5_000,
  // Emails carry sign-in links and codes: not left readable in Redis or on the dashboard.
  secretPayload: true,
  handler: (request, { services }) => services.email.send(request),
});

/** How features send email: through the job queue when there is one, inline otherwise. */
export function sendEmail(services: { jobs: JobQueue }, request: EmailRequest) {
  return services.jobs.enqueue(sendEmailJob, request);
}
