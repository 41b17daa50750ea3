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
