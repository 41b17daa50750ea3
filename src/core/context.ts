import type { TFunction } from 'i18next';
import type { Locale } from '../project.ts';
import type { Logger } from './logger.ts';
import type { ViewLocals } from './views.ts';

// What every request carries, typed once for all middleware and routes (Koa's own extension point).
declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
    lang: Locale;
    t: TFunction;
  }
  interface DefaultContext {
    /** Renders views/<name>.pug with the request's language, helpers and `locals` as the HTML body. */
    render(name: string, locals?: ViewLocals): void;
  }
}
