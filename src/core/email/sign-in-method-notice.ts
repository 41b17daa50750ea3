import type { Context } from 'koa';
import type { User } from '../auth/users.ts';
import type { Config } from '../config/config.ts';
import { publicOrigin } from '../http/public-url.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import type { Logger } from '../observability/logger.ts';
import { sendEmail } from './email.ts';

type NoticeServices = { config: Config; jobs: JobQueue; logger: Logger };

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
      subject: `emails.signInMethod.${change}.subject`,
      lang: ctx.state.lang,
      locals: {
        name: ctx.state.t(label),
        heading: `emails.signInMethod.${change}.heading`,
        body: `emails.signInMethod.${change}.body`,
        actionUrl: `${publicOrigin(ctx, services.config)}/profile`,
        actionLabel: 'emails.signInMethod.profile',
      },
    });
  } catch (error) {
    services.logger.error({ err: error, change }, 'could not send a sign-in method notice');
  }
}
