// IR expressions and JSON values as Python code. Every operator and built-in
// function becomes a call of the support module (`aiw.add(a, b)`,
// `aiw.fn_len(x)`), which implements the runtime's semantics; `and` and `or`
// pass their right operands as lambdas so they are evaluated only when needed.
// Chains of one operator (`a + b + c`, `x.a.b.c`) become one call with several
// operands, so long chains do not nest deeply.

import type { IrBinaryOperator, IrExpr, JsonValue } from "../../ir.ts";
import { call, dict, lambda, list, type Doc } from "./printer.ts";
import { pythonString } from "./python-string.ts";

export interface ExprContext {
  /** Task names that mean the output being checked (in guards and `inject`): printed as `out`. */
  readonly own: ReadonlySet<string>;
  /** IR variables (loop variable, guardrail parameters) as Python names. */
  readonly vars: ReadonlyMap<string, string>;
}

const OPERATORS: Readonly<Record<Exclude<IrBinaryOperator, "and" | "or">, string>> = {
  "==": "aiw.eq",
  "!=": "aiw.ne",
  "<": "aiw.lt",
  "<=": "aiw.le",
  ">": "aiw.gt",
  ">=": "aiw.ge",
  in: "aiw.in_",
  "not in": "aiw.not_in",
  "+": "aiw.add",
  "-": "aiw.sub",
  "*": "aiw.mul",
  "/": "aiw.div",
  "%": "aiw.mod",
};

/** Operators whose chains fold left and take any number of operands in the support module. */
const VARIADIC = new Set<IrBinaryOperator>(["and", "or", "+", "-", "*", "/", "%"]);

export function pythonExpr(e: IrExpr, ctx: ExprContext): Doc {
  switch (e.op) {
    case "lit":
      return pythonValue(e.value);
    case "input":
      return call("s.input", [pythonString(e.name)]);
    case "task":
      return ctx.own.has(e.name) ? "out" : call("s.output", [pythonString(e.name)]);
    case "var": {
      const name = ctx.vars.get(e.name);
      if (name === undefined) throw new Error(`no Python name for variable '${e.name}'`);
      return name;
    }
    case "get": {
      const fields: string[] = [];
      let object: IrExpr = e;
      while (object.op === "get") {
        fields.unshift(object.field);
        object = object.object;
      }
      return call("aiw.get", [pythonExpr(object, ctx), ...fields.map(pythonString)]);
    }
    case "index":
      return call("aiw.index", [pythonExpr(e.object, ctx), pythonExpr(e.index, ctx)]);
    case "call":
      return call(`aiw.fn_${e.fn}`, e.args.map((a) => pythonExpr(a, ctx)));
    case "not":
      return call("aiw.not_", [pythonExpr(e.operand, ctx)]);
    case "neg":
      return call("aiw.neg", [pythonExpr(e.operand, ctx)]);
    case "binary": {
      const operands = VARIADIC.has(e.operator) ? leftChain(e, e.operator) : [e.left, e.right];
      const docs = operands.map((o) => pythonExpr(o, ctx));
      if (e.operator === "and" || e.operator === "or") {
        return call(e.operator === "and" ? "aiw.and_" : "aiw.or_", [docs[0]!, ...docs.slice(1).map((d) => lambda("", d))]);
      }
      return call(OPERATORS[e.operator], docs);
    }
    case "list":
      return list(e.items.map((i) => pythonExpr(i, ctx)));
    case "record":
      return dict(e.fields.map((f) => [pythonString(f.name), pythonExpr(f.value, ctx)] as const));
    case "concat":
      return call("aiw.concat", e.parts.map((p) => pythonExpr(p, ctx)));
  }
}

/** The operands of `((a op b) op c) op d`: [a, b, c, d]. */
function leftChain(e: IrExpr, operator: IrBinaryOperator): IrExpr[] {
  const rights: IrExpr[] = [];
  let cur = e;
  while (cur.op === "binary" && cur.operator === operator) {
    rights.unshift(cur.right);
    cur = cur.left;
  }
  return [cur, ...rights];
}

/** A JSON value as a Python literal (None, True, numbers as JavaScript writes them, escaped strings). */
export function pythonValue(v: JsonValue): Doc {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return pythonNumber(v);
  if (typeof v === "string") return pythonString(v);
  if (Array.isArray(v)) return list(v.map(pythonValue));
  return dict(Object.keys(v).map((k) => [pythonString(k), pythonValue(v[k]!)] as const));
}

/** A finite number as a Python literal with the same value: an int when whole, else the shortest float. */
export function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  if (Object.is(n, -0) || n === 0) return "0";
  // String(n) is an int below 1e21 and an exact float literal otherwise (1.5e-7, 1e+21).
  return String(n);
}
