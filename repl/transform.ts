// Turns one REPL input (TypeScript) into a script whose top-level bindings outlive it.

import ts from "typescript";
import { pathToFileURL } from "node:url";

/** The outcome of reading one input: wait for more lines, a syntax error, or code to run. */
export type Parsed =
  | { kind: "incomplete" }
  | {
    kind: "error";
    message: string;
    line: number;
    column: number;
    text: string;
  }
  | { kind: "code"; js: string };

/** Where the evaluated wrapper leaves its result; an object, so that `undefined` is a value too. */
export const RESULT = "value";

/** The name of the function each input runs in; tracebacks show it as `<module>`. */
export const WRAPPER = "__flambeau_input";

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  // Imports must survive even when this input only uses them in types: a later input may not.
  verbatimModuleSyntax: true,
  moduleDetection: ts.ModuleDetectionKind.Force,
  useDefineForClassFields: true,
};

function parse(text: string): { sf: ts.SourceFile; diags: ts.Diagnostic[] } {
  const sf = ts.createSourceFile(
    "input.ts",
    text,
    ts.ScriptTarget.ESNext,
    true,
    ts.ScriptKind.TS,
  );
  // parseDiagnostics is not in the public typings, but it is the parser's own list: syntax only.
  const diags = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] })
    .parseDiagnostics;
  return { sf, diags };
}

/**
 * Reads an input. It is incomplete when the parser's first complaint sits at the very end of the
 * text (an open brace, an unfinished call, a dangling operator): more lines may finish it. A
 * string literal cannot span lines, so an unterminated one is an error, not a continuation.
 */
export function read(text: string, cwd: string): Parsed {
  // `{ a: 1 }` alone is an object, as in Node's REPL, not a block with a label.
  const trimmed = text.trim();
  if (trimmed.startsWith("{") && !trimmed.endsWith(";")) {
    const asObject = parse(`(${trimmed})`);
    if (asObject.diags.length === 0) return toCode(`(${trimmed})`, cwd);
  }
  const { sf, diags } = parse(text);
  if (diags.length > 0) {
    const end = text.trimEnd().length;
    const first = diags[0];
    const start = first.start ?? 0;
    if (start >= end && first.code !== 1002) return { kind: "incomplete" };
    const pos = sf.getLineAndCharacterOfPosition(Math.min(start, text.length));
    return {
      kind: "error",
      message: ts.flattenDiagnosticMessageText(first.messageText, "\n"),
      line: pos.line + 1,
      column: pos.character,
      text: text.split("\n")[pos.line] ?? "",
    };
  }
  return toCode(text, cwd);
}

function toCode(text: string, cwd: string): Parsed {
  const js = ts.transpileModule(text, { compilerOptions }).outputText;
  return { kind: "code", js: persist(js, cwd) };
}

/** `globalThis.name = <rhs>` for an identifier; a parenthesised assignment pattern otherwise. */
function assign(name: ts.BindingName, rhs: string): string {
  return ts.isIdentifier(name)
    ? `globalThis.${name.text} = ${rhs};`
    : `(${name.getText()} = ${rhs});`;
}

/** Relative specifiers are the user's, so they resolve against the working directory. */
function specifier(node: ts.Expression, cwd: string): string {
  const s = ts.isStringLiteral(node) ? node.text : "";
  if (/^\.{0,2}\//.test(s)) {
    return JSON.stringify(new URL(s, pathToFileURL(cwd + "/")).href);
  }
  return node.getText();
}

function importStatement(node: ts.ImportDeclaration, cwd: string): string {
  // `with { type: "json" }` becomes the options argument of the dynamic import.
  const attrs = node.attributes
    ? `, { with: ${
      node.attributes.getText().replace(/^(?:with|assert)\s*/, "")
    } }`
    : "";
  const load = `await import(${specifier(node.moduleSpecifier, cwd)}${attrs})`;
  const clause = node.importClause;
  if (!clause) return `${load};`;
  const out = [`{ const __m = ${load};`];
  if (clause.name) out.push(`globalThis.${clause.name.text} = __m.default;`);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    out.push(`globalThis.${bindings.name.text} = __m;`);
  } else if (bindings) {
    for (const el of bindings.elements) {
      const from = (el.propertyName ?? el.name).getText();
      out.push(
        `globalThis.${el.name.text} = __m[${
          JSON.stringify(from.replace(/^"|"$/g, ""))
        }];`,
      );
    }
  }
  return out.join(" ") + " }";
}

/**
 * `x = 1`, `x += y`, `[a, b] = pair`: as in Python, an assignment at the prompt prints nothing
 * (the value is one name away). Any other expression prints its value.
 */
function isAssignment(e: ts.Expression): boolean {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return ts.isBinaryExpression(e) &&
    e.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
    e.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
}

/** A declaration's text without its `export`/`default` modifiers. */
function withoutModifiers(node: ts.Node): string {
  return node.getText().replace(/^(?:export\s+)?(?:default\s+)?/, "");
}

/**
 * Rewrites the top level of the transpiled input so that its bindings land on globalThis, which
 * every later input sees: declarations become assignments (functions hoisted, as JavaScript would),
 * imports become `await import(...)`, and a final expression statement becomes the returned
 * result. The body runs in a sloppy-mode async arrow, so a bare `x = 1` creates a global as in
 * Python, and `await` works at the top.
 */
export function persist(js: string, cwd: string): string {
  const sf = ts.createSourceFile(
    "input.js",
    js,
    ts.ScriptTarget.ESNext,
    true,
    ts.ScriptKind.JS,
  );
  const hoisted: string[] = [];
  const body: string[] = [];
  // Nothing imports from a REPL input, so exports mean nothing here; transpiling as a module (for
  // top-level await) also appends an `export {};`.
  const statements = sf.statements.filter((s) =>
    !ts.isExportDeclaration(s) && !ts.isExportAssignment(s)
  );
  statements.forEach((s, i) => {
    const last = i === statements.length - 1;
    if (ts.isVariableStatement(s)) {
      const isVar = !(s.declarationList.flags & ts.NodeFlags.BlockScoped);
      for (const d of s.declarationList.declarations) {
        if (d.initializer) body.push(assign(d.name, d.initializer.getText()));
        else if (ts.isIdentifier(d.name)) {
          // `var x;` keeps an earlier value, `let x;` resets it, as each would on its own.
          body.push(
            isVar
              ? `if (!(${
                JSON.stringify(d.name.text)
              } in globalThis)) globalThis.${d.name.text} = undefined;`
              : `globalThis.${d.name.text} = undefined;`,
          );
        }
      }
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      hoisted.push(`globalThis.${s.name.text} = ${withoutModifiers(s)};`);
    } else if (ts.isClassDeclaration(s) && s.name) {
      body.push(`globalThis.${s.name.text} = ${withoutModifiers(s)};`);
    } else if (ts.isImportDeclaration(s)) {
      body.push(importStatement(s, cwd));
    } else if (
      last && ts.isExpressionStatement(s) && !isAssignment(s.expression)
    ) {
      body.push(`return { ${RESULT}: (${s.expression.getText()}) };`);
    } else {
      body.push(s.getText());
    }
  });
  // The body starts on the wrapper's first line, so line numbers in tracebacks are the input's.
  // A named function (not an arrow) tells its frame apart from the eval'd script that calls it.
  return `(async function ${WRAPPER}() {${
    [...hoisted, ...body].join("\n")
  }\n})()`;
}
