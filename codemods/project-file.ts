import { type ObjectLiteralExpression, type SourceFile, SyntaxKind } from 'ts-morph';

// The object literal `export const project = { ... } as const` in src/project.ts.
export function projectObject(file: SourceFile): ObjectLiteralExpression {
  return file
    .getVariableDeclarationOrThrow('project')
    .getFirstDescendantByKindOrThrow(SyntaxKind.ObjectLiteralExpression);
}

/** Sets a property to a literal value: strings and arrays of strings, written as JSON (inert). */
export function setProperty(
  object: ObjectLiteralExpression,
  name: string,
  value: string | string[],
) {
  const property = object.getPropertyOrThrow(name).asKindOrThrow(SyntaxKind.PropertyAssignment);
  property.setInitializer(
    Array.isArray(value)
      ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]`
      : JSON.stringify(value),
  );
}

/** A property's literal value: a string, or an array of strings. */
export function getProperty(object: ObjectLiteralExpression, name: string): string | string[] {
  const value = object
    .getPropertyOrThrow(name)
    .asKindOrThrow(SyntaxKind.PropertyAssignment)
    .getInitializerOrThrow();
  const literal = (node: typeof value) =>
    node.asKindOrThrow(SyntaxKind.StringLiteral).getLiteralValue();
  return value.isKind(SyntaxKind.ArrayLiteralExpression)
    ? value.getElements().map(literal)
    : literal(value);
}
