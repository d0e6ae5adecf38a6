// Expression checking: infers a type for every expression, reports unknown
// names and fields, ill-typed operators and calls, and tells its caller which
// tasks an expression reads (the implicit dependencies).

import type * as A from "./ast.ts";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS } from "./builtins.ts";
import { report, type CheckContext, type Reference } from "./check-context.ts";
import type { DiagnosticInit } from "./diagnostics.ts";
import type { DiagnosticCode } from "./diagnostic-codes.ts";
import { MAX_EXPRESSION_DEPTH } from "../grammar/parse.ts";
import type { FileScope } from "./scope.ts";
import type { Span } from "./source.ts";
import { didYouMean } from "./suggest.ts";
import { BOOLEAN, ERROR, JSON_TYPE, NULL, NUMBER, STRING, isAssignable, isOpaque, list, nonNull, optional, sameType, typeToString, type Type } from "./types.ts";

/** What a name in an expression stands for. */
export interface Binding {
  readonly kind: "input" | "task" | "template" | "variable" | "parameter";
  readonly type: Type;
  /** The name span of its definition. */
  readonly definition: Span;
}

export interface ExprEnv {
  readonly ctx: CheckContext;
  readonly scope: FileScope;
  /** Local names: flow inputs, tasks, templates, loop variables, guardrail parameters. */
  lookup(name: string): Binding | undefined;
  localNames(): Iterable<string>;
  /** Called for every read of a task's output (the dependency edges). */
  readonly onTaskRead?: (task: string, span: Span) => void;
  /** False while only inferring a type (the same expression is checked elsewhere). */
  readonly reporting: boolean;
  /** Words for "in a guard", "in 'when'", used in a few messages. */
  readonly where?: string;
}

function fail(env: ExprEnv, code: DiagnosticCode, init: DiagnosticInit): Type {
  if (env.reporting) report(env.ctx, code, init);
  return ERROR;
}

/** Records a use of a name when references are collected (the object is made only then). */
function reference(env: ExprEnv, span: Span, definition: Span, kind: Reference["kind"]): void {
  if (env.reporting) env.ctx.references?.push({ span, definition, kind });
}

/** How deep inferExpr is in the expression tree it checks (it recurses). */
let depth = 0;
/** One report per too-deep expression, not one per node past the limit. */
let tooDeepReported = false;

export function inferExpr(env: ExprEnv, e: A.Expr): Type {
  if (depth === 0) tooDeepReported = false;
  if (depth >= MAX_EXPRESSION_DEPTH) {
    if (tooDeepReported) return ERROR;
    tooDeepReported = true;
    return fail(env, "AIW0003", {
      message: `this expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep`,
      span: e,
      label: "too deep",
      help: "split it into several tasks or shorter expressions",
    });
  }
  depth++;
  try {
    return inferNode(env, e);
  } finally {
    depth--;
  }
}

function inferNode(env: ExprEnv, e: A.Expr): Type {
  switch (e.kind) {
    case "Number":
    case "Duration":
      return NUMBER;
    case "Boolean":
      return BOOLEAN;
    case "Null":
      return NULL;
    case "String":
      for (const p of e.parts) if (typeof p !== "string") inferExpr(env, p);
      return STRING;
    case "Paren":
      return inferExpr(env, e.inner);
    case "Name":
      return inferName(env, e);
    case "Field":
      return inferField(env, e);
    case "Index":
      return inferIndex(env, e);
    case "Call":
      return inferCall(env, e);
    case "Unary":
      return inferUnary(env, e);
    case "Binary":
      return inferBinary(env, e);
    case "List":
      return inferList(env, e);
    case "Record":
      return inferRecord(env, e);
  }
}

function inferName(env: ExprEnv, e: A.NameExpr): Type {
  if (e.name === "") return ERROR; // left by error recovery; the syntax error says enough
  const b = env.lookup(e.name);
  if (b !== undefined) {
    reference(env, e, b.definition, b.kind);
    if (b.kind === "template") {
      return fail(env, "AIW0403", {
        message: `'${e.name}' is a template: it has no output until a task injects it`,
        span: e,
        label: "a template, not a task",
        help: "read the output of the task that injects it, or make it a task",
      });
    }
    if (b.kind === "task") env.onTaskRead?.(e.name, e);
    return b.type;
  }
  const sym = env.scope.visible.get(e.name);
  if (sym !== undefined || BUILTIN_TOOLS.has(e.name) || BUILTIN_FUNCTIONS.has(e.name)) {
    const what = sym ? `${sym.kind === "agent" ? "an" : "a"} ${sym.kind}` : BUILTIN_TOOLS.has(e.name) ? "a built-in tool" : "a built-in function";
    return fail(env, "AIW0101", {
      message: `'${e.name}' is ${what}, not a value`,
      span: e,
      label: `${what} used as a value`,
      help: sym?.kind === "tool" || BUILTIN_TOOLS.has(e.name) ? "call tools as the 'run:' of a task and read that task's output" : "values are flow inputs, task outputs and loop variables",
    });
  }
  const ambiguous = env.scope.ambiguous.get(e.name);
  const hint = didYouMean(e.name, env.localNames());
  return fail(env, "AIW0101", {
    message: ambiguous ? `'${e.name}' is ambiguous` : `unknown name '${e.name}'`,
    span: e,
    label: "not found in this scope",
    ...(hint ? { help: hint } : {}),
    notes: localNamesNote(env),
  });
}

function localNamesNote(env: ExprEnv): string[] {
  const names = [...new Set(env.localNames())].sort();
  if (names.length === 0) return [];
  const shown = names.length > 12 ? `${names.slice(0, 12).join(", ")}, ...` : names.join(", ");
  return [`names in scope here: ${shown}`];
}

function inferField(env: ExprEnv, e: A.FieldAccess): Type {
  const objType = inferExpr(env, e.object);
  const name = e.field.name;
  if (name === "") return ERROR;
  if (isOpaque(objType)) return objType;
  const isOptional = objType.kind === "optional";
  const base = nonNull(objType);
  if (base.kind === "record") {
    const fields = base.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (f.name === name) return isOptional ? optional(f.type) : f.type;
    }
    const owner = e.object.kind === "Name" && env.lookup(e.object.name)?.kind === "task" ? `task '${e.object.name}'` : `type ${typeToString(base)}`;
    const hint = didYouMean(name, base.fields.map((x) => x.name));
    return fail(env, "AIW0106", {
      message: `${owner} has no field '${name}'`,
      span: e.field,
      label: "unknown field",
      ...(hint ? { help: hint } : {}),
      notes: [base.fields.length > 0 ? `its fields are: ${base.fields.map((x) => `${x.name}: ${typeToString(x.type)}`).join(", ")}` : "it has no fields"],
    });
  }
  const isFanOut = base.kind === "list" && e.object.kind === "Name" && env.lookup(e.object.name)?.kind === "task";
  return fail(env, "AIW0106", {
    message: `a value of type ${typeToString(objType)} has no field '${name}'`,
    span: e.field,
    label: `not a record`,
    ...(isFanOut ? { help: `'${(e.object as A.NameExpr).name}' runs once per item, so its output is a list: index it, e.g. ${(e.object as A.NameExpr).name}[0].${name}` } : {}),
  });
}

function inferIndex(env: ExprEnv, e: A.IndexAccess): Type {
  const objType = inferExpr(env, e.object);
  const idxType = inferExpr(env, e.index);
  if (isOpaque(objType)) return objType;
  const base = nonNull(objType);
  if (base.kind === "list" || base.kind === "string") {
    if (!isAssignable(idxType, NUMBER)) {
      fail(env, "AIW0201", { message: `an index must be a number, but this is ${typeToString(idxType)}`, span: e.index, label: "expected number" });
    }
    // An index out of range fails the task at run time.
    return base.kind === "list" ? base.element : STRING;
  }
  return fail(env, "AIW0203", { message: `a value of type ${typeToString(objType)} cannot be indexed`, span: e, label: "not a list or string" });
}

function inferCall(env: ExprEnv, e: A.CallExpr): Type {
  const argTypes = e.args.map((a) => inferExpr(env, a.value));
  if (e.callee.kind !== "Name") {
    return fail(env, "AIW0112", { message: "only built-in functions can be called in an expression", span: e.callee, label: "not a function" });
  }
  const name = e.callee.name;
  const fn = BUILTIN_FUNCTIONS.get(name);
  if (fn === undefined) {
    const sym = env.scope.visible.get(name);
    if (sym?.kind === "tool" || (sym === undefined && BUILTIN_TOOLS.has(name))) {
      return fail(env, "AIW0112", {
        message: `the tool '${name}' can only be called as the whole 'run:' of a task`,
        span: e.callee,
        label: "tool call inside an expression",
        help: "give this call its own task, and read that task's output here",
      });
    }
    if (sym?.kind === "guardrail") {
      return fail(env, "AIW0112", { message: `the guardrail '${name}' can only be used as a task's 'guard:'`, span: e.callee, label: "guardrail inside an expression" });
    }
    const hint = didYouMean(name, BUILTIN_FUNCTIONS.keys());
    return fail(env, "AIW0101", {
      message: `unknown function '${name}'`,
      span: e.callee,
      label: "not a built-in function",
      ...(hint ? { help: hint } : {}),
      notes: [`the built-in functions are: ${[...BUILTIN_FUNCTIONS.keys()].sort().join(", ")}`],
    });
  }
  reference(env, e.callee, e.callee, "tool");
  const named = e.args.find((a) => a.name !== undefined);
  if (named !== undefined) {
    return fail(env, "AIW0110", {
      message: `built-in functions take arguments by position, not by name`,
      span: named.name!,
      label: "named argument",
      help: `write ${fn.signature.replace(/ ->.*$/, "")}`,
    });
  }
  const [min, max] = fn.arity;
  if (e.args.length < min || e.args.length > max) {
    const code = e.args.length < min ? "AIW0111" : "AIW0110";
    return fail(env, code, {
      message: `'${name}' takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, but ${e.args.length} ${e.args.length === 1 ? "was" : "were"} given`,
      span: e.argsSpan,
      label: `expected ${min === max ? min : `${min} to ${max}`}`,
      notes: [fn.signature],
    });
  }
  const r = fn.check(argTypes);
  if (typeof r === "string") {
    return fail(env, "AIW0201", { message: `${r}: found ${argTypes.map((t) => typeToString(t)).join(", ")}`, span: e.argsSpan, label: "wrong argument types", notes: [fn.signature] });
  }
  return r;
}

function inferUnary(env: ExprEnv, e: A.UnaryExpr): Type {
  const t = inferExpr(env, e.operand);
  if (e.operator === "not") {
    if (!isAssignable(t, BOOLEAN)) return fail(env, "AIW0203", { message: `'not' needs a boolean, but this is ${typeToString(t)}`, span: e.operand, label: "not a boolean" });
    return BOOLEAN;
  }
  if (!isAssignable(t, NUMBER)) return fail(env, "AIW0203", { message: `'-' needs a number, but this is ${typeToString(t)}`, span: e.operand, label: "not a number" });
  return NUMBER;
}

/** Reports operands a binary operator cannot take. */
function badOperands(env: ExprEnv, e: A.BinaryExpr, l: Type, r: Type, why: string): Type {
  return fail(env, "AIW0203", {
    message: `'${e.operator}' cannot be applied to ${typeToString(l)} and ${typeToString(r)}`,
    span: e.operatorSpan,
    label: why,
    secondary: [
      { span: e.left, message: typeToString(l) },
      { span: e.right, message: typeToString(r) },
    ],
  });
}

function inferBinary(env: ExprEnv, e: A.BinaryExpr): Type {
  const l = inferExpr(env, e.left);
  const r = inferExpr(env, e.right);
  const op = e.operator;
  if (l.kind === "error" || r.kind === "error") return op === "+" || op === "-" || op === "*" || op === "/" || op === "%" ? ERROR : BOOLEAN;
  switch (op) {
    case "and":
    case "or":
      if (!isAssignable(l, BOOLEAN) || !isAssignable(r, BOOLEAN)) return badOperands(env, e, l, r, `'${op}' needs booleans on both sides`), BOOLEAN;
      return BOOLEAN;
    case "==":
    case "!=":
      if (!isAssignable(l, r) && !isAssignable(r, l) && !(l.kind === "null" || r.kind === "null")) badOperands(env, e, l, r, "these can never be equal");
      return BOOLEAN;
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const ok = (isAssignable(l, NUMBER) && isAssignable(r, NUMBER)) || (isAssignable(l, STRING) && isAssignable(r, STRING));
      if (!ok) badOperands(env, e, l, r, "needs two numbers or two strings");
      return BOOLEAN;
    }
    case "in":
    case "not in": {
      const container = nonNull(r);
      if (isOpaque(container)) return BOOLEAN;
      if (container.kind === "list") {
        if (!isAssignable(l, container.element) && !isAssignable(container.element, l)) badOperands(env, e, l, r, `the list holds ${typeToString(container.element)}`);
      } else if (container.kind === "string") {
        if (!isAssignable(l, STRING)) badOperands(env, e, l, r, "a string contains only strings");
      } else badOperands(env, e, l, r, "the right side must be a list or a string");
      return BOOLEAN;
    }
    case "+":
      if (isAssignable(l, NUMBER) && isAssignable(r, NUMBER)) return isOpaque(l) && isOpaque(r) ? JSON_TYPE : NUMBER;
      if (isAssignable(l, STRING) && isAssignable(r, STRING)) return STRING;
      if (l.kind === "list" && r.kind === "list" && sameType(l, r)) return l;
      return badOperands(env, e, l, r, "'+' adds numbers and joins strings or lists of one type");
    default:
      if (isAssignable(l, NUMBER) && isAssignable(r, NUMBER)) return NUMBER;
      return badOperands(env, e, l, r, "arithmetic needs numbers");
  }
}

function inferList(env: ExprEnv, e: A.ListLiteral): Type {
  const types = e.items.map((i) => inferExpr(env, i));
  if (types.length === 0) return list(JSON_TYPE);
  const concrete = types.find((t) => t.kind !== "null" && !isOpaque(t));
  if (concrete === undefined) return list(types.some((t) => t.kind === "null") && types.every((t) => t.kind === "null") ? JSON_TYPE : types[0]!);
  if (types.every((t) => isOpaque(t) || sameType(t, concrete))) return list(concrete);
  if (types.every((t) => t.kind === "null" || isOpaque(t) || sameType(t, concrete))) return list(optional(concrete));
  const odd = e.items[types.findIndex((t) => t.kind !== "null" && !isOpaque(t) && !sameType(t, concrete))]!;
  fail(env, "AIW0201", {
    message: `a list's items must all have one type: this is ${typeToString(inferExpr({ ...env, reporting: false }, odd))}, the first is ${typeToString(concrete)}`,
    span: odd,
    label: `expected ${typeToString(concrete)}`,
  });
  return list(concrete);
}

function inferRecord(env: ExprEnv, e: A.RecordLiteral): Type {
  const seen = new Set<string>();
  const fields = [];
  for (const f of e.fields) {
    const t = inferExpr(env, f.value);
    if (seen.has(f.key.name)) {
      fail(env, "AIW0102", { message: `field '${f.key.name}' is given twice`, span: f.key, label: "second field with this name" });
      continue;
    }
    seen.add(f.key.name);
    fields.push({ name: f.key.name, type: t, hasDefault: false });
  }
  return { kind: "record", fields };
}

/** Checks that an expression has (a type assignable to) the expected type. */
export function expectType(env: ExprEnv, e: A.Expr, expected: Type, what: string): Type {
  const t = inferExpr(env, e);
  if (!isAssignable(t, expected)) {
    fail(env, "AIW0201", {
      message: `${what} should be ${typeToString(expected)}, but this is ${typeToString(t)}`,
      span: e,
      label: `expected ${typeToString(expected)}, found ${typeToString(t)}`,
      ...missingFieldsHelp(t, expected),
    });
  }
  return t;
}

function missingFieldsHelp(from: Type, to: Type): { notes?: string[] } {
  const f = nonNull(from);
  const t = nonNull(to);
  if (f.kind !== "record" || t.kind !== "record") return {};
  const missing = t.fields.filter((x) => !x.hasDefault && x.type.kind !== "optional" && !f.fields.some((y) => y.name === x.name)).map((x) => x.name);
  const wrong = t.fields.filter((x) => {
    const y = f.fields.find((z) => z.name === x.name);
    return y !== undefined && !isAssignable(y.type, x.type);
  });
  const notes: string[] = [];
  if (missing.length > 0) notes.push(`missing field${missing.length === 1 ? "" : "s"}: ${missing.join(", ")}`);
  for (const w of wrong) notes.push(`field '${w.name}' should be ${typeToString(w.type)}, found ${typeToString(f.fields.find((z) => z.name === w.name)!.type)}`);
  return notes.length > 0 ? { notes } : {};
}

/** Guards and `when`: must be boolean. */
export function checkCondition(env: ExprEnv, e: A.Expr, what: string): void {
  const t = inferExpr(env, e);
  if (!isAssignable(t, BOOLEAN)) {
    fail(env, "AIW0202", {
      message: `${what} must be a boolean, but this is ${typeToString(t)}`,
      span: e,
      label: `${typeToString(t)}, not boolean`,
      help: t.kind === "string" ? `compare it, e.g. ${sourceHint(e)} == "..."` : "use a comparison such as x > 0 or x == \"...\"",
    });
  }
}

function sourceHint(e: A.Expr): string {
  const parts: string[] = [];
  let cur: A.Expr = e;
  while (cur.kind === "Field") {
    parts.unshift(cur.field.name);
    cur = cur.object;
  }
  if (cur.kind === "Name") parts.unshift(cur.name);
  return parts.length > 0 ? parts.join(".") : "value";
}
