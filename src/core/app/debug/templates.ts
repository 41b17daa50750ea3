import { type Locale, project } from '../../../project.ts';
import type { Router } from '../../config/koa-router.ts';
import type { EmailPreview } from '../../email/email.ts';
import { REQUEST_LOCALS } from '../../views/render.ts';
import type { ViewLocals, Views } from '../../views/views.ts';
import type { AppServices, DebugPage } from '../feature.ts';
import { respond } from './respond.ts';

const PREVIEW_TO = 'preview@example.test';

// An email's HTML part has inline styles (mail clients ignore stylesheets), which the site's CSP
// forbids: it is shown in a sandboxed frame whose own policy allows styles and nothing else.
const EMAIL_FRAME_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'; sandbox";

// /debug/templates: every compiled view with the locals it reads (those every render supplies
// apart from its own), and each email the app sends rendered in every language from the sample
// values its feature declares (`emailPreviews`).
export function templatesPage(
  router: Router,
  { email }: AppServices,
  views: Views,
  globals: ViewLocals,
  previews: EmailPreview[],
): DebugPage {
  const common = new Set([...Object.keys(globals), ...REQUEST_LOCALS]);
  const previewOf = (template: string | undefined) =>
    previews.find((preview) => preview.template === template);
  const languageOf = (lang: string | undefined) =>
    project.locales.find((locale) => locale === lang) as Locale | undefined;

  router.get('/templates', (ctx) => {
    respond(ctx, 'debug/templates', {
      views: views.names().map((name) => {
        const locals = views.localsOf(name);
        return {
          name,
          own: locals.filter((local) => !common.has(local)),
          common: locals.filter((local) => common.has(local)),
        };
      }),
      emails: previews.map(({ template, subject, locals }) => ({
        template,
        subject,
        locals: locals ?? {},
        previews: project.locales.map((lang) => ({
          lang,
          path: `/debug/templates/emails/${template}/${lang}`,
        })),
      })),
    });
  });

  router.get('/templates/emails/:template/:lang', (ctx) => {
    const preview = previewOf(ctx.params.template);
    const lang = languageOf(ctx.params.lang);
    if (!preview || !lang) return ctx.throw(404);
    respond(ctx, 'debug/email', {
      template: preview.template,
      emailLang: lang,
      message: email.render({ ...preview, to: PREVIEW_TO, lang }),
      htmlPath: `${ctx.path}/html`,
      languages: project.locales,
    });
  });

  router.get('/templates/emails/:template/:lang/html', (ctx) => {
    const preview = previewOf(ctx.params.template);
    const lang = languageOf(ctx.params.lang);
    if (!preview || !lang) return ctx.throw(404);
    ctx.set('Content-Security-Policy', EMAIL_FRAME_POLICY);
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = email.render({ ...preview, to: PREVIEW_TO, lang }).html;
  });

  return {
    path: '/debug/templates',
    title: 'common:debug.templates.title',
    summary: 'common:debug.templates.summary',
  };
}
