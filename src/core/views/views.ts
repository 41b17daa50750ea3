import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildDir } from '../config/paths.ts';
import { AssetsMissingError } from './assets.ts';

export type ViewLocals = Record<string, unknown>;
export type Views = {
  has(name: string): boolean;
  /** Every template's name, sorted ("home/index", "emails/notice.html"...). */
  names(): string[];
  /** The locals a template reads, sorted (for /debug/templates). */
  localsOf(name: string): string[];
  render(name: string, locals: ViewLocals): string;
};

type Template = (locals: ViewLocals) => string;

const require = createRequire(import.meta.url);

// Loads the templates that `npm run build` compiled from the .pug files (scripts/build-views.ts).
// Compiling happens once, before the process starts; here rendering is a function call.
export function loadViews(dir = buildDir): Views {
  const file = join(dir, 'views.cjs');
  if (!existsSync(file)) throw new AssetsMissingError(dir);
  const templates = new Map<string, Template>(Object.entries(require(file)));
  return {
    has: (name) => templates.has(name),
    names: () => [...templates.keys()].sort(),
    localsOf(name) {
      // Pug compiles a template's free variables into one lookup each in its locals object
      // (`"user" in locals_for_with`), so the compiled source lists them all, includes and
      // layouts included.
      const source = String(templates.get(name) ?? '');
      const names = new Set(
        [...source.matchAll(/"([\w$]+)" in locals_for_with/g)].map((m) => m[1]),
      );
      return [...names].sort() as string[];
    },
    render(name, locals) {
      const template = templates.get(name);
      if (!template)
        throw new Error(`No view named "${name}" (is it under views/ or src/features/*/views/?)`);
      return template(locals);
    },
  };
}
