import ts from 'typescript';

/** The script kind TypeScript gives a file by its extension (JSX in .tsx/.jsx/.js/.mjs/.cjs). */
export function scriptKind(file: string): ts.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX;
  if (/\.[mc]?ts$/.test(file)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(file)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

/**
 * What TypeScript's full parser says a file imports, and whether it parsed without error:
 * import/export declarations, `import x = require()`, `import()` calls and types with a
 * literal first argument, `require("lit")` with one argument, triple-slash path/types
 * references. Sorted specifiers.
 */
export function parseWithTypeScript(text: string, file: string): { specifiers: string[]; parseErrors: number } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const out = [...sf.referencedFiles, ...sf.typeReferenceDirectives].map((r) => r.fileName);
  const literal = (n: ts.Node | undefined) =>
    n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : undefined;
  const visit = (node: ts.Node): void => {
    let spec: string | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) spec = literal(node.moduleSpecifier);
    else if (ts.isExternalModuleReference(node)) spec = literal(node.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) spec = literal(node.argument.literal);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      spec = literal(node.arguments[0]);
    else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require' &&
      node.arguments.length === 1
    )
      spec = literal(node.arguments[0]);
    if (spec !== undefined) out.push(spec);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  // parseDiagnostics is internal but stable since TS 1.x; it holds syntax errors only.
  const parseErrors = ((sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? []).length;
  return { specifiers: out.sort(), parseErrors };
}
