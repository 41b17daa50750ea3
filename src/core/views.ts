import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import pug from 'pug';
import { featuresDir, viewsDir } from './paths.ts';

export type ViewLocals = Record<string, unknown>;
export type Views = {
  has(name: string): boolean;
  render(name: string, locals: ViewLocals): string;
};

// Compiles every template under views/ once, at boot: uncached Pug re-parses on each render and is
// about a thousand times slower. A template error therefore stops the start, not a request.
//
// Shared templates live in views/ (layouts, partials, errors, emails); a feature's pages live in its
// own folder, src/features/<name>/views/, and are named "<name>/<page>", so deleting the feature
// folder deletes its pages. Includes and extends resolve "/..." against views/.
export function compileViews({ debug = false } = {}): Views {
  const templates = new Map<string, pug.compileTemplate>();
  const roots = [{ dir: viewsDir, prefix: '' }];
  for (const feature of readdirSync(featuresDir, { withFileTypes: true })) {
    const dir = join(featuresDir, feature.name, 'views');
    if (feature.isDirectory() && existsSync(dir)) roots.push({ dir, prefix: `${feature.name}/` });
  }
  for (const { dir, prefix } of roots) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.pug')) continue;
      const file = join(entry.parentPath, entry.name);
      const name = prefix + relative(dir, file).slice(0, -'.pug'.length);
      // Layouts and partials are compiled into the pages that use them; only pages render alone.
      if (name.startsWith('layouts/') || name.startsWith('mixins/')) continue;
      templates.set(name, pug.compileFile(file, { basedir: viewsDir, compileDebug: debug }));
    }
  }
  return {
    has: (name) => templates.has(name),
    render(name, locals) {
      const template = templates.get(name);
      if (!template) throw new Error(`No view named "${name}" under views/`);
      return template(locals);
    },
  };
}
