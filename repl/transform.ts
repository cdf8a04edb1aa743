// Turns one REPL input (TypeScript) into a script whose top-level bindings outlive it.

import ts from "typescript";
import { pathToFileURL } from "node:url";
import { type Binary, OPS } from "./operators.ts";
import { keywordArguments, pythonLine } from "./hints.ts";

/** The outcome of reading one input: wait for more lines, a syntax error, or code to run. */
export type Parsed =
  | { kind: "incomplete" }
  | {
    kind: "error";
    message: string;
    line: number;
    column: number;
    text: string;
    /** The TypeScript to write instead, where the input was Python. */
    hint?: string;
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
    // Python that TypeScript cannot read (or reads as unfinished, like `import torch`).
    const python = pythonLine(text);
    if (python) {
      return {
        kind: "error",
        message: python.message,
        line: 1,
        column: text.length - text.trimStart().length,
        text: text.split("\n")[0],
        hint: python.hint,
      };
    }
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
  // Python that TypeScript reads, wrongly: `f(x, requires_grad=True)` assigns a global.
  const keywords = keywordArguments(sf);
  if (keywords) {
    const at = keywords.node.getStart(sf);
    const pos = sf.getLineAndCharacterOfPosition(at);
    return {
      kind: "error",
      message: keywords.message,
      line: pos.line + 1,
      column: pos.character,
      text: text.split("\n")[pos.line],
      hint: keywords.hint,
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

/** One change to the input's text: `text` replaces [at, end); an insertion has end === at. */
type Edit = { at: number; end: number; text: string; rank: number };

// Edits at one position apply in this order: calls closing there (the innermost first), then a
// replaced token, then calls opening there (the outermost first).
const closing = (depth: number) => 1e6 - depth;
const REPLACING = 1.5e6;
const opening = (depth: number) => 2e6 + depth;

/**
 * Python's operators in REPL input: `a * b`, `a < b`, `-a`, `a -= b`, `x[i]`, `x[i, j]`,
 * `x[i] = v` become calls to repl/operators.ts, which use the tensor op when an operand is a
 * tensor and JavaScript's operator otherwise; every loop body first checks for Ctrl-C.
 * `==`/`!=`, `&&`, `++` and the like are untouched. The rewrite edits the JavaScript in place (a call's
 * name before the operand, a comma for the operator, a parenthesis after), so every line stays
 * where it was and tracebacks keep the input's line numbers.
 */
function pythonOperators(text: string): string {
  const sf = ts.createSourceFile(
    "input.js",
    text,
    ts.ScriptTarget.ESNext,
    true,
    ts.ScriptKind.JS,
  );
  const edits: Edit[] = [];
  const call = (name: string) => `${OPS}.${name}(`;
  const open = (at: number, text: string, depth: number) =>
    edits.push({ at, end: at, text, rank: opening(depth) });
  const close = (at: number, depth: number) =>
    edits.push({ at, end: at, text: ")", rank: closing(depth) });
  const replace = (at: number, end: number, text: string) =>
    edits.push({ at, end, text, rank: REPLACING });
  const start = (n: ts.Node) => n.getStart(sf);
  /** `o[k1, k2]`: `o, [k1, k2]` (keys as an array) or `o, k1, k2` (keys as arguments). */
  const subscript = (e: ts.ElementAccessExpression, asArray: boolean) => {
    replace(
      e.expression.end,
      start(e.argumentExpression),
      asArray ? ", [" : ", ",
    );
    if (!asArray) replace(e.argumentExpression.end, e.end, ")");
  };
  const visitAll = (nodes: readonly ts.Node[], depth: number) => {
    for (const n of nodes) visit(n, depth);
  };
  const children = (n: ts.Node, depth: number) =>
    ts.forEachChild(n, (c) => visit(c, depth + 1));
  /** A subscript as JavaScript reads it (a place, or a method's `this`): only its parts rewritten. */
  const keep = (e: ts.Node, depth: number) =>
    ts.isElementAccessExpression(e) ? children(e, depth) : visit(e, depth);

  function visit(node: ts.Node, depth: number): void {
    if (ts.isBinaryExpression(node)) {
      const kind = node.operatorToken.kind;
      const op = BINARY[kind];
      const token = node.operatorToken;
      if (op && !isText(node.left) && !isText(node.right)) {
        open(start(node), `${call("binary")}"${op}", `, depth);
        replace(start(token), token.end, ",");
        close(node.end, depth);
        return children(node, depth);
      }
      const target = unparenthesised(node.left);
      const cop = COMPOUND[kind];
      if (cop && !isText(node.right)) {
        if (ts.isIdentifier(target)) {
          replace(
            start(token),
            token.end,
            `= ${call("inplace")}"${cop}", ${target.text},`,
          );
          close(node.end, depth);
          return visit(node.right, depth + 1);
        }
        if (
          ts.isPropertyAccessExpression(target) &&
          ts.isIdentifier(target.name) &&
          target.expression.kind !== ts.SyntaxKind.SuperKeyword &&
          !(target.flags & ts.NodeFlags.OptionalChain) &&
          target === node.left
        ) {
          open(start(node), call("setattrOp"), depth);
          replace(
            target.expression.end,
            token.end,
            `, "${target.name.text}", "${cop}",`,
          );
          close(node.end, depth);
          visit(target.expression, depth + 1);
          return visit(node.right, depth + 1);
        }
        if (isPlainSubscript(target) && target === node.left) {
          open(start(node), call("setitemOp"), depth);
          subscript(target, true);
          replace(start(token), token.end, `, "${cop}",`);
          close(node.end, depth);
          visit(target.expression, depth + 1);
          visit(target.argumentExpression, depth + 1);
          return visit(node.right, depth + 1);
        }
      }
      if (kind === ts.SyntaxKind.EqualsToken) {
        if (isPlainSubscript(target) && target === node.left) {
          open(start(node), call("setitem"), depth);
          subscript(target, true);
          replace(start(token), token.end, ",");
          close(node.end, depth);
          visit(target.expression, depth + 1);
          visit(target.argumentExpression, depth + 1);
          return visit(node.right, depth + 1);
        }
        // A destructuring target is left as written: its subscripts are places, not values.
        if (
          ts.isArrayLiteralExpression(target) ||
          ts.isObjectLiteralExpression(target)
        ) {
          return visit(node.right, depth + 1);
        }
      }
      // Any other assignment: its target is a place.
      if (
        kind >= ts.SyntaxKind.FirstAssignment &&
        kind <= ts.SyntaxKind.LastAssignment
      ) {
        keep(node.left, depth + 1);
        return visit(node.right, depth + 1);
      }
    }
    if (
      ts.isPrefixUnaryExpression(node) &&
      node.operator === ts.SyntaxKind.MinusToken &&
      !ts.isNumericLiteral(node.operand)
    ) {
      replace(start(node), start(node) + 1, call("neg"));
      close(node.end, depth);
      return visit(node.operand, depth + 1);
    }
    // `o[k]++`, `delete o[k]`: places, not values.
    if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken ||
        node.operator === ts.SyntaxKind.MinusMinusToken)
    ) {
      return keep(node.operand, depth + 1);
    }
    if (ts.isDeleteExpression(node)) return keep(node.expression, depth + 1);
    // `o[k](...)` calls a method with `o` as `this`.
    if (ts.isCallExpression(node) && isPlainSubscript(node.expression)) {
      keep(node.expression, depth + 1);
      return visitAll(node.arguments, depth + 1);
    }
    if (isPlainSubscript(node)) {
      open(start(node), call("getitem"), depth);
      subscript(node, false);
      visit(node.expression, depth + 1);
      return visit(node.argumentExpression, depth + 1);
    }
    // Every loop looks for Ctrl-C once per turn, so `while (true) {}` can be interrupted too.
    if (ts.isIterationStatement(node, false)) {
      const body = node.statement;
      if (ts.isBlock(body)) {
        open(start(body) + 1, ` ${OPS}.tick();`, depth);
      } else {
        open(start(body), `{ ${OPS}.tick(); `, depth);
        edits.push({
          at: body.end,
          end: body.end,
          text: " }",
          rank: closing(depth),
        });
      }
      // A for-of/for-in target is a place, not a value.
      if (
        (ts.isForOfStatement(node) || ts.isForInStatement(node)) &&
        !ts.isVariableDeclarationList(node.initializer)
      ) {
        keep(node.initializer, depth + 1);
        visit(node.expression, depth + 1);
        return visit(body, depth + 1);
      }
    }
    children(node, depth);
  }
  visit(sf, 0);
  edits.sort((a, b) => a.at - b.at || a.rank - b.rank);
  let out = "", at = 0;
  for (const e of edits) {
    out += text.slice(at, e.at) + e.text;
    at = Math.max(at, e.end);
  }
  return out + text.slice(at);
}

function toCode(text: string, cwd: string): Parsed {
  // Rewritten after the types are gone: TypeScript's printer would join the lines of a call it
  // had to print, where the JavaScript it emits keeps the input's line breaks.
  const js = pythonOperators(
    ts.transpileModule(text, { compilerOptions }).outputText,
  );
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

/**
 * A whole script with Python's operators (for `repl/main.ts --run FILE`): transpiled as a module
 * (type-only imports dropped), then rewritten as prompt input is. It calls `__flambeau_ops`.
 */
export function transpileScript(text: string): string {
  return pythonOperators(
    ts.transpileModule(text, {
      compilerOptions: {
        target: ts.ScriptTarget.ESNext,
        module: ts.ModuleKind.ESNext,
        useDefineForClassFields: true,
      },
    }).outputText,
  );
}
