// Where the code and the views use translation keys (decision 0115). TypeScript is read with
// ts-morph; Pug with the lexer and parser Pug itself compiles with, and the JavaScript inside a
// template (`= t('x')`, attributes, `#{}`, mixin arguments, conditions) again with ts-morph.
import { createRequire } from 'node:module';
import { Node, Project, type SourceFile, SyntaxKind } from 'ts-morph';
import type { Tree } from '../../codemods/tree.ts';

/** A key named in full (`ns:path`), or a key built from parts (`errors.${kind}.title`). */
export type KeyUse = { file: string; line: number } & (
  | { key: string }
  | { pattern: RegExp; text: string }
);

export const DEFAULT_NAMESPACE = 'common';

/** `nav.signIn` -> `common:nav.signIn`; `accounts:login.title` stays. */
export const fullKey = (key: string) => (key.includes(':') ? key : `${DEFAULT_NAMESPACE}:${key}`);

// A key written out as a value, to be translated elsewhere (`label: 'oauth-github:name'`, a zod
// message): a string that is exactly `<namespace>:<path>`. Such values are how a key reaches a
// t() call with a name the call cannot show, so they count as uses where they are built.
const KEY_VALUE = /^([a-z][a-z0-9-]*):([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/;

// The source the app translates: its code and views, not its tests.
const isSource = (path: string) =>
  (/^src\/.*\.ts$/.test(path) &&
    !/\.(test|spec)\.ts$/.test(path) &&
    !path.endsWith('/testing.ts')) ||
  /^(src|views)\/.*\.pug$/.test(path);

/** Every key use in the tree's code and views; `namespaces` are those the locale files have. */
export function findKeyUses(tree: Tree, namespaces: ReadonlySet<string>): KeyUse[] {
  const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true });
  const uses: KeyUse[] = [];
  for (const path of tree.list().filter(isSource)) {
    const text = tree.require(path);
    if (path.endsWith('.ts')) {
      uses.push(...usesIn(project.createSourceFile(`/${path}`, text), path, 0, namespaces));
      continue;
    }
    for (const { code, line } of pugExpressions(text, path)) {
      const file = project.createSourceFile(`/${path}.${uses.length}.${line}.ts`, code, {
        overwrite: true,
      });
      uses.push(...usesIn(file, path, line - 1, namespaces));
      project.removeSourceFile(file);
    }
  }
  return uses;
}

function usesIn(
  file: SourceFile,
  path: string,
  lineOffset: number,
  namespaces: ReadonlySet<string>,
): KeyUse[] {
  const uses: KeyUse[] = [];
  const at = (node: Node) => ({ file: path, line: node.getStartLineNumber() + lineOffset });
  // The key argument of a t() call: literals, either branch of a condition, each of a list.
  const keysIn = (node: Node | undefined) => {
    if (node === undefined) return;
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
      uses.push({ ...at(node), key: fullKey(node.getLiteralValue()) });
    } else if (Node.isTemplateExpression(node)) {
      const raw = node.getText().slice(1, -1);
      const parts = raw
        .split(/\$\{[^}]*\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
      const text = fullKey(raw);
      uses.push({ ...at(node), text, pattern: new RegExp(`^${fullKey(parts.join('.+'))}$`) });
    } else if (Node.isConditionalExpression(node)) {
      keysIn(node.getWhenTrue());
      keysIn(node.getWhenFalse());
    } else if (Node.isArrayLiteralExpression(node)) {
      for (const element of node.getElements()) keysIn(element);
    } else if (Node.isParenthesizedExpression(node)) {
      keysIn(node.getExpression());
    }
  };
  file.forEachDescendant((node) => {
    if (Node.isCallExpression(node)) {
      const callee = node.getExpression();
      const name = Node.isPropertyAccessExpression(callee) ? callee.getName() : callee.getText();
      if (name === 't') keysIn(node.getArguments()[0]);
    } else if (
      Node.isStringLiteral(node) &&
      !node.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)
    ) {
      const match = KEY_VALUE.exec(node.getLiteralValue());
      if (match && namespaces.has(match[1] as string))
        uses.push({ ...at(node), key: node.getLiteralValue() });
    }
  });
  return uses;
}

type PugNode = {
  type: string;
  line: number;
  val?: unknown;
  test?: string;
  obj?: string;
  expr?: string;
  args?: string;
  call?: boolean;
  attrs?: Array<{ val: unknown }>;
  attributeBlocks?: Array<{ val: string }>;
};
const require = createRequire(import.meta.url);
const lex = require('pug-lexer') as (src: string, options: { filename: string }) => unknown[];
const parse = require('pug-parser') as (
  tokens: unknown[],
  options: { filename: string; src: string },
) => unknown;
const walk = require('pug-walk') as (ast: unknown, before: (node: PugNode) => void) => void;

/** The JavaScript in a Pug template, each piece with the line it is on. */
export function pugExpressions(src: string, filename: string) {
  const out: Array<{ code: string; line: number }> = [];
  const add = (code: unknown, line: number) => {
    if (typeof code === 'string' && code.trim() !== '') out.push({ code, line });
  };
  walk(parse(lex(src, { filename }), { filename, src }), (node) => {
    if (node.type === 'Code') add(node.val, node.line);
    add(node.test, node.line); // if, unless, while
    add(node.obj, node.line); // each ... in <obj>
    add(node.expr, node.line); // case, when, #[tag]
    if (node.type === 'Mixin' && node.call) add(`f(${node.args ?? ''})`, node.line);
    for (const attr of node.attrs ?? []) add(attr.val, node.line);
    for (const block of node.attributeBlocks ?? []) add(block.val, node.line);
  });
  return out;
}
