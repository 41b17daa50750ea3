import type { Context } from 'koa';
import type { User } from '../auth/users.ts';
import type { Config } from '../config/config.ts';
import { publicOrigin } from '../http/public-url.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import type { Logger } from '../observability/logger.ts';
import { sendEmail } from './email.ts';

type NoticeServices = { config: Config; jobs: JobQueue; logger: Logger };

// Written out in full so the translation check (npm run i18n:check) sees each key used.
const TEXTS = {
  linked: {
    subject: 'common:emails.signInMethod.linked.subject',
    heading: 'common:emails.signInMethod.linked.heading',
    body: 'common:emails.signInMethod.linked.body',
  },
  unlinked: {
    subject: 'common:emails.signInMethod.unlinked.subject',
    heading: 'common:emails.signInMethod.unlinked.heading',
    body: 'common:emails.signInMethod.unlinked.body',
  },
} as const;

/**
 * Tells the account's owner that a way to sign in was linked or unlinked: if it was not them, the
 * email is how they find out. Never fails the change itself: a failure is logged.
 */
export async function sendSignInMethodNotice(
  services: NoticeServices,
  ctx: Context,
  user: Pick<User, 'email'>,
  change: 'linked' | 'unlinked',
  label: string,
) {
  if (!user.email) return;
  try {
    await sendEmail(services, {
      to: user.email,
      template: 'notice',
      subject: TEXTS[change].subject,
      lang: ctx.state.lang,
      locals: {
        name: ctx.state.t(label),
        heading: TEXTS[change].heading,
        body: TEXTS[change].body,
        actionUrl: `${publicOrigin(ctx, services.config)}/profile`,
        actionLabel: 'common:emails.signInMethod.profile',
      },
    });
  } catch (error) {
    services.logger.error({ err: error, change }, 'could not send a sign-in method notice');
  }
}
