// Turns one REPL input (TypeScript) into a script whose top-level bindings outlive it.

import ts from "typescript";
import { pathToFileURL } from "node:url";
import { type Binary, OPS } from "./operators.ts";

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

const BINARY: Partial<Record<ts.SyntaxKind, Binary>> = {
  [ts.SyntaxKind.PlusToken]: "add",
  [ts.SyntaxKind.MinusToken]: "sub",
  [ts.SyntaxKind.AsteriskToken]: "mul",
  [ts.SyntaxKind.SlashToken]: "div",
  [ts.SyntaxKind.PercentToken]: "remainder",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "pow",
  [ts.SyntaxKind.LessThanToken]: "lt",
  [ts.SyntaxKind.LessThanEqualsToken]: "le",
  [ts.SyntaxKind.GreaterThanToken]: "gt",
  [ts.SyntaxKind.GreaterThanEqualsToken]: "ge",
};

const COMPOUND: Partial<Record<ts.SyntaxKind, Binary>> = {
  [ts.SyntaxKind.PlusEqualsToken]: "add",
  [ts.SyntaxKind.MinusEqualsToken]: "sub",
  [ts.SyntaxKind.AsteriskEqualsToken]: "mul",
  [ts.SyntaxKind.SlashEqualsToken]: "div",
  [ts.SyntaxKind.PercentEqualsToken]: "remainder",
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken]: "pow",
};

/** The calls that stand for an assignment after the rewrite: quiet at the prompt, as `x = 1`. */
const ASSIGNING = ["setitem", "setitemOp", "setattrOp"];

const isText = (e: ts.Expression) =>
  ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) ||
  ts.isTemplateExpression(e);

/** `x[a, b]` is Python's tuple subscript: the unparenthesised comma list becomes the keys. */
function subscriptKeys(e: ts.Expression): ts.Expression[] {
  return ts.isBinaryExpression(e) &&
      e.operatorToken.kind === ts.SyntaxKind.CommaToken
    ? [...subscriptKeys(e.left), e.right]
    : [e];
}

function unparenthesised(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** Subscripts the rewrite may take over: not `super[k]`, not inside an optional chain. */
function isPlainSubscript(e: ts.Node): e is ts.ElementAccessExpression {
  return ts.isElementAccessExpression(e) &&
    e.expression.kind !== ts.SyntaxKind.SuperKeyword &&
    !(e.flags & ts.NodeFlags.OptionalChain);
}

/**
 * Python's operators in REPL input: `a * b`, `a < b`, `-a`, `a -= b`, `x[i]`, `x[i, j]`,
 * `x[i] = v` become calls to repl/operators.ts, which use the tensor op when an operand is a
 * tensor and JavaScript's operator otherwise. `==`/`!=`, `&&`, `++` and the like are untouched.
 */
function pythonOperators(
  ctx: ts.TransformationContext,
): ts.Transformer<ts.SourceFile> {
  const f = ctx.factory;
  const call = (name: string, args: ts.Expression[]) =>
    f.createCallExpression(
      f.createPropertyAccessExpression(f.createIdentifier(OPS), name),
      undefined,
      args,
    );
  const expr = (n: ts.Expression) => ts.visitNode(n, visit) as ts.Expression;
  const keys = (e: ts.ElementAccessExpression) =>
    subscriptKeys(e.argumentExpression).map(expr);
  /** A subscript as JavaScript would read it, its parts still rewritten: `o[k]()`, `delete o[k]`. */
  const keepSubscript = (e: ts.Expression): ts.Expression =>
    ts.isElementAccessExpression(e)
      ? f.updateElementAccessExpression(
        e,
        expr(e.expression),
        expr(e.argumentExpression),
      )
      : expr(e);

  function visit(node: ts.Node): ts.Node {
    if (ts.isBinaryExpression(node)) {
      const kind = node.operatorToken.kind;
      const op = BINARY[kind];
      if (op && !isText(node.left) && !isText(node.right)) {
        return call("binary", [
          f.createStringLiteral(op),
          expr(node.left),
          expr(node.right),
        ]);
      }
      const target = unparenthesised(node.left);
      const cop = COMPOUND[kind];
      if (cop && !isText(node.right)) {
        const opName = f.createStringLiteral(cop);
        if (ts.isIdentifier(target)) {
          return f.createAssignment(
            target,
            call("inplace", [opName, target, expr(node.right)]),
          );
        }
        if (
          ts.isPropertyAccessExpression(target) &&
          ts.isIdentifier(target.name) &&
          target.expression.kind !== ts.SyntaxKind.SuperKeyword &&
          !(target.flags & ts.NodeFlags.OptionalChain)
        ) {
          return call("setattrOp", [
            expr(target.expression),
            f.createStringLiteral(target.name.text),
            opName,
            expr(node.right),
          ]);
        }
        if (isPlainSubscript(target)) {
          return call("setitemOp", [
            expr(target.expression),
            f.createArrayLiteralExpression(keys(target)),
            opName,
            expr(node.right),
          ]);
        }
      }
      if (kind === ts.SyntaxKind.EqualsToken) {
        if (isPlainSubscript(target)) {
          return call("setitem", [
            expr(target.expression),
            f.createArrayLiteralExpression(keys(target)),
            expr(node.right),
          ]);
        }
        // A destructuring target is left as written: its subscripts are places, not values.
        if (
          ts.isArrayLiteralExpression(target) ||
          ts.isObjectLiteralExpression(target)
        ) {
          return f.updateBinaryExpression(
            node,
            node.left,
            node.operatorToken,
            expr(node.right),
          );
        }
      }
    }
    if (
      ts.isPrefixUnaryExpression(node) &&
      node.operator === ts.SyntaxKind.MinusToken &&
      !ts.isNumericLiteral(node.operand)
    ) {
      return call("neg", [expr(node.operand)]);
    }
    // `o[k]++`, `delete o[k]`: places, not values.
    if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken ||
        node.operator === ts.SyntaxKind.MinusMinusToken)
    ) {
      return ts.isPrefixUnaryExpression(node)
        ? f.updatePrefixUnaryExpression(node, keepSubscript(node.operand))
        : f.updatePostfixUnaryExpression(node, keepSubscript(node.operand));
    }
    if (ts.isDeleteExpression(node)) {
      return f.updateDeleteExpression(node, keepSubscript(node.expression));
    }
    // `o[k](...)` calls a method with `o` as `this`.
    if (ts.isCallExpression(node) && isPlainSubscript(node.expression)) {
      return f.updateCallExpression(
        node,
        keepSubscript(node.expression),
        node.typeArguments,
        node.arguments.map(expr),
      );
    }
    if (isPlainSubscript(node)) {
      return call("getitem", [expr(node.expression), ...keys(node)]);
    }
    // Every loop looks for Ctrl-C once per turn, so `while (true) {}` can be interrupted too.
    if (ts.isIterationStatement(node, false)) {
      const loop = ts.visitEachChild(node, visit, ctx) as ts.IterationStatement;
      const tick = f.createExpressionStatement(call("tick", []));
      const body = loop.statement;
      const statement = f.createBlock(
        ts.isBlock(body) ? [tick, ...body.statements] : [tick, body],
        true,
      );
      // A for-of/for-in target is a place, not a value: it stays as written.
      const target = (ts.isForOfStatement(node) || ts.isForInStatement(node)) &&
          !ts.isVariableDeclarationList(node.initializer)
        ? node.initializer
        : undefined;
      return updateLoop(f, loop, statement, target);
    }
    return ts.visitEachChild(node, visit, ctx);
  }
  return (sf) => ts.visitNode(sf, visit) as ts.SourceFile;
}

/** The same loop with another body (and, for for-of/for-in, maybe another target). */
function updateLoop(
  f: ts.NodeFactory,
  loop: ts.IterationStatement,
  body: ts.Statement,
  target?: ts.ForInitializer,
): ts.Statement {
  if (ts.isForStatement(loop)) {
    return f.updateForStatement(
      loop,
      loop.initializer,
      loop.condition,
      loop.incrementor,
      body,
    );
  }
  if (ts.isForOfStatement(loop)) {
    return f.updateForOfStatement(
      loop,
      loop.awaitModifier,
      target ?? loop.initializer,
      loop.expression,
      body,
    );
  }
  if (ts.isForInStatement(loop)) {
    return f.updateForInStatement(
      loop,
      target ?? loop.initializer,
      loop.expression,
      body,
    );
  }
  if (ts.isWhileStatement(loop)) {
    return f.updateWhileStatement(loop, loop.expression, body);
  }
  return f.updateDoStatement(
    loop as ts.DoStatement,
    body,
    (loop as ts.DoStatement).expression,
  );
}

function toCode(text: string, cwd: string): Parsed {
  const js = ts.transpileModule(text, {
    compilerOptions,
    transformers: { before: [pythonOperators] },
  }).outputText;
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
  e = unparenthesised(e);
  if (
    ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) &&
    ts.isIdentifier(e.expression.expression) &&
    e.expression.expression.text === OPS
  ) {
    return ASSIGNING.includes(e.expression.name.text);
  }
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
