import type { TFunction } from 'i18next';
import type { Locale } from '../../project.ts';
import type { ActiveSession } from '../auth/sessions.ts';
import type { User } from '../auth/users.ts';
import type { Logger } from '../observability/logger.ts';
import type { ViewLocals } from '../views/views.ts';

// What every request carries, typed once for all middleware and routes (Koa's own extension point).
declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
    lang: Locale;
    t: TFunction;
    /** Set by the session middleware when the browser is signed in. */
    session?: ActiveSession;
    user?: User;
    /** The anonymous browser id a CSRF token is bound to (src/core/auth/csrf.ts). */
    csrfBrowserId?: string;
  }
  interface DefaultContext {
    /** Renders views/<name>.pug with the request's language, helpers and `locals` as the HTML body. */
    render(name: string, locals?: ViewLocals): void;
    /** The same, returned as a string (a fragment another page includes). */
    renderView(name: string, locals?: ViewLocals): string;
    /** The CSRF token for this browser (views call it as `csrf()`). */
    csrfToken(): string;
  }
}
