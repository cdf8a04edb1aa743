// Python habits at a TypeScript prompt: the input a PyTorch user types first (`from ... import`,
// `import numpy as np`, `def`, keyword arguments, `nn.Linear(2, 3)` without `new`, `True`) gets
// the TypeScript to write instead, printed as `hint: ...` under the error.

import ts from "typescript";

/** Where the preloaded names come from, by the Python module a user would import. */
const MODULES: Record<string, string> = {
  "torch": "torch",
  "torch.nn": "nn",
  "torch.nn.functional": "F",
  "torch.optim": "optim",
  "torch.autograd": "torch.autograd",
  "torch.utils.data": "torch.utils.data",
  "numpy": "np",
};

/** A Python line that is not TypeScript, with what to say about it. */
export type PythonLine = { message: string; hint: string };

const IDENT = String.raw`[A-Za-z_]\w*`;
const DOTTED = String.raw`${IDENT}(?:\.${IDENT})*`;

/** The TypeScript for a module path: `torch.nn` is `nn`, anything else stays as written. */
const moduleExpr = (path: string) => MODULES[path] ?? path;

function importHint(path: string, alias: string | undefined): string {
  const name = alias ?? path.split(".")[0];
  const expr = moduleExpr(path);
  if (expr === name) return `${name} is loaded already`;
  if (MODULES[path]) {
    return `it is loaded already as ${expr}${
      alias ? `: const ${name} = ${expr}` : ""
    }`;
  }
  return `const ${name} = ${expr}`;
}

/**
 * The Python habit an input's first line shows, if any: checked only for inputs TypeScript could
 * not read (or reads as unfinished), so valid TypeScript is never second-guessed.
 */
export function pythonLine(text: string): PythonLine | undefined {
  const line = text.split("\n")[0].trim().replace(/\s*#.*$/, "");
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^from\\s+(${DOTTED})\\s+import\\s+(.+)$`).exec(line))) {
    const names = m[2].replace(/[()]/g, "").split(",").map((s) => s.trim())
      .filter(Boolean).map((s) => {
        const [name, alias] = s.split(/\s+as\s+/);
        return alias ? `${name}: ${alias}` : name;
      });
    return {
      message: "'from ... import' is Python",
      hint: `const { ${names.join(", ")} } = ${moduleExpr(m[1])}`,
    };
  }
  if (
    (m = new RegExp(`^import\\s+(${DOTTED})(?:\\s+as\\s+(${IDENT}))?$`).exec(
      line,
    ))
  ) {
    return {
      message: `'import ${m[1]}' is Python`,
      hint: importHint(m[1], m[2]),
    };
  }
  if (
    (m = new RegExp(`^def\\s+(${IDENT})\\s*\\((.*)\\)\\s*(?:->.*)?:$`).exec(
      line,
    ))
  ) {
    const params = m[2].split(",").map((p) => p.trim()).filter((p) =>
      p !== "self"
    );
    return {
      message: "'def' is Python",
      hint: `function ${m[1]}(${params.join(", ")}) { ... }` +
        (m[2].includes("self")
          ? " (a method: name(args) { ... } inside the class)"
          : ""),
    };
  }
  if (
    (m = new RegExp(`^class\\s+(${IDENT})\\s*(?:\\((${DOTTED})?\\))?\\s*:$`)
      .exec(line))
  ) {
    return {
      message: "a Python class",
      hint: `class ${m[1]}${
        m[2] ? ` extends ${m[2]}` : ""
      } { ... } (layers as fields: conv1 = new nn.Conv2d(1, 6, 5); forward(x) { ... })`,
    };
  }
  if (
    (m = new RegExp(`^for\\s+(${IDENT})\\s+in\\s+range\\((.+)\\)\\s*:`).exec(
      line,
    ))
  ) {
    const args = m[2].split(",").map((s) => s.trim());
    const [from, to] = args.length === 1 ? ["0", args[0]] : [args[0], args[1]];
    return {
      message: "a Python for loop",
      hint: `for (let ${m[1]} = ${from}; ${m[1]} < ${to}; ${m[1]}++) { ... }`,
    };
  }
  if ((m = /^for\s+([\w\s,]+?)\s+in\s+(.+):/.exec(line))) {
    return {
      message: "a Python for loop",
      hint: `for (const ${m[1].includes(",") ? `[${m[1]}]` : m[1]} of ${
        m[2]
      }) { ... }`,
    };
  }
  if ((m = /^(if|elif|while)\s+(.+):$/.exec(line))) {
    const kw = m[1] === "elif" ? "else if" : m[1];
    return { message: `a Python ${m[1]}`, hint: `${kw} (${m[2]}) { ... }` };
  }
  if (/^else\s*:$/.test(line)) {
    return { message: "a Python else", hint: "else { ... }" };
  }
  if ((m = new RegExp(`^print\\s+([^(=].*)$`).exec(line))) {
    return { message: "Python 2's print statement", hint: `print(${m[1]})` };
  }
  if (/\blambda\b[^:]*:/.test(line)) {
    return {
      message: "a Python lambda",
      hint: line.replace(/\blambda\s*([^:]*?)\s*:\s*/, "($1) => "),
    };
  }
  if (/\[[^\][]*:[^\][]*\]/.test(line) && !/[{}]/.test(line)) {
    return {
      message: "Python's slice syntax",
      hint:
        'slices are strings here: x["1:"], x[":", 0] (or x.index(":", 0)) for a tensor; arr.slice(1) for an array',
    };
  }
  return undefined;
}

/**
 * Python's keyword arguments (`f(x, requires_grad=True)`) parse as TypeScript, as an assignment
 * to a global passed positionally: a silent wrong answer. The first such call, with the options
 * object PyTorch's names take here.
 */
export function keywordArguments(
  sf: ts.SourceFile,
): PythonLine & { node: ts.Node } | undefined {
  let found: (PythonLine & { node: ts.Node }) | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (
      (ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments
    ) {
      const kw = node.arguments.filter((a) =>
        ts.isBinaryExpression(a) &&
        a.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isIdentifier(a.left)
      ) as ts.BinaryExpression[];
      if (kw.length > 0) {
        const positional = node.arguments.filter((a) =>
          !kw.includes(a as ts.BinaryExpression)
        )
          .map((a) => a.getText(sf));
        const options = kw.map((a) =>
          `${a.left.getText(sf)}: ${pyValue(a.right.getText(sf))}`
        );
        const callee = node.expression.getText(sf);
        found = {
          node: kw[0],
          message: "keyword arguments are Python",
          hint: `${ts.isNewExpression(node) ? "new " : ""}${callee}(${
            [...positional, `{ ${options.join(", ")} }`].join(", ")
          })`,
        };
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Python's literals in TypeScript: True, False, None. */
function pyValue(text: string): string {
  return { True: "true", False: "false", None: "null" }[text] ?? text;
}

/** A hint for an error the input raised when it ran, if it came from a Python habit. */
export function runtimeHint(err: unknown, input: string): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const m =
    /^(True|False|None) is not defined$|^Can't find variable: (True|False|None)$/
      .exec(
        err.message,
      );
  if (err.name === "ReferenceError" && m) {
    const name = m[1] ?? m[2];
    return `${pyValue(name)} is TypeScript's ${name}`;
  }
  // V8: "Class constructor Conv2d cannot be invoked without 'new'"; Bun: "Cannot call a class
  // constructor Conv2d without |new|".
  const ctor = /^Class constructor (\w+) cannot be invoked without 'new'$/.exec(
    err.message,
  ) ??
    /^Cannot call a class constructor (\w*) ?without \|new\|$/.exec(
      err.message,
    );
  if (ctor) {
    const name = ctor[1] || "\\w+";
    const call = new RegExp(`(?<!new\\s+)((?:[\\w$]+\\.)*${name})\\(`).exec(
      input,
    );
    return call
      ? `a class is made with new: new ${call[1]}(...)`
      : "a class is made with new: new nn.Linear(2, 3)";
  }
  return undefined;
}
