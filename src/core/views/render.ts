import type Koa from 'koa';
import type { Context } from 'koa';
import { safeRedirectPath } from '../http/input.ts';
import type { ViewLocals, Views } from './views.ts';

const THEMES = new Set(['light', 'dark']);

/** The locals every render gets besides the app's globals (set in renderView below). */
export const REQUEST_LOCALS = ['lang', 't', 'requestId', 'currentPath', 'theme', 'user', 'csrf'];

// Installs ctx.render and ctx.renderView once on the app's context prototype, so no closure is
// built per request. `globals` are the same for every render (project identity, asset URLs, flags).
export function installRender(app: Koa, views: Views, globals: ViewLocals) {
  app.context.renderView = function renderView(
    this: Context,
    name: string,
    locals: ViewLocals = {},
  ) {
    const theme = this.cookies.get('theme');
    return views.render(name, {
      ...globals,
      lang: this.state.lang,
      t: this.state.t,
      requestId: this.state.requestId,
      // Links are built from it (the language switcher): a path such as //evil.example would make
      // them point off-site, so anything but a same-origin path becomes /.
      currentPath: safeRedirectPath(this.path),
      // The server renders the chosen theme, so there is no flash and no inline script is needed.
      theme: theme && THEMES.has(theme) ? theme : undefined,
      user: this.state.user,
      // Lazy: only pages with forms pay for a token (and anonymous visitors for its cookie).
      csrf: () => this.csrfToken(),
      ...locals,
    });
  };
  app.context.render = function render(this: Context, name: string, locals: ViewLocals = {}) {
    this.type = 'html';
    this.body = this.renderView(name, locals);
  };
}
