// Constant expressions: the values of defaults and of declaration properties
// (model sources, agent roles, flow schedules). Literals, lists and records
// of literals only; anything else is reported.

import type * as A from "./ast.ts";
import { report, type CheckContext } from "./check-context.ts";
import type { JsonValue } from "./ir.ts";
import { BOOLEAN, JSON_TYPE, NULL, NUMBER, STRING, isAssignable, list, typeToString, type Type } from "./types.ts";

/** The JSON value of a constant expression, or undefined (reported) when it is not one. */
export function constantValue(ctx: CheckContext, e: A.Expr, expected: Type | undefined, what: string): JsonValue | undefined {
  const v = evaluate(e);
  if (v === NOT_CONSTANT) {
    if (!(e.kind === "Name" && e.name === "")) {
      report(ctx, "AIW0205", {
        message: `${what} must be a constant`,
        span: e,
        label: "not a constant",
        notes: ["constants are literals (strings without ${...}, numbers, durations, true, false, null) and lists or records of them"],
      });
    }
    return undefined;
  }
  if (expected !== undefined) {
    const t = jsonType(v);
    if (!isAssignable(t, expected)) {
      report(ctx, "AIW0201", {
        message: `${what} should be ${typeToString(expected)}, but this is ${typeToString(t)}`,
        span: e,
        label: `expected ${typeToString(expected)}`,
      });
      return undefined;
    }
  }
  return v;
}

const NOT_CONSTANT = Symbol("not constant");

/** Evaluates without reporting; NOT_CONSTANT when it is not a constant. */
function evaluate(e: A.Expr): JsonValue | typeof NOT_CONSTANT {
  switch (e.kind) {
    case "Number":
      return e.value;
    case "Duration":
      return e.ms;
    case "Boolean":
      return e.value;
    case "Null":
      return null;
    case "String":
      return e.parts.every((p) => typeof p === "string") ? (e.parts as string[]).join("") : NOT_CONSTANT;
    case "Paren":
      return evaluate(e.inner);
    case "Unary": {
      if (e.operator !== "-") return NOT_CONSTANT;
      const v = evaluate(e.operand);
      return typeof v === "number" ? -v : NOT_CONSTANT;
    }
    case "List": {
      const out: JsonValue[] = [];
      for (const item of e.items) {
        const v = evaluate(item);
        if (v === NOT_CONSTANT) return NOT_CONSTANT;
        out.push(v);
      }
      return out;
    }
    case "Record": {
      const out: { [k: string]: JsonValue } = {};
      for (const f of e.fields) {
        const v = evaluate(f.value);
        if (v === NOT_CONSTANT) return NOT_CONSTANT;
        Object.defineProperty(out, f.key.name, { value: v, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default:
      return NOT_CONSTANT;
  }
}

/** Whether an expression is a constant, without reporting anything. */
export function isConstant(e: A.Expr): boolean {
  return evaluate(e) !== NOT_CONSTANT;
}

export function constantOrUndefined(e: A.Expr): JsonValue | undefined {
  const v = evaluate(e);
  return v === NOT_CONSTANT ? undefined : v;
}

export function jsonType(v: JsonValue): Type {
  if (v === null) return NULL;
  if (typeof v === "string") return STRING;
  if (typeof v === "number") return NUMBER;
  if (typeof v === "boolean") return BOOLEAN;
  if (Array.isArray(v)) return list(v.length > 0 ? jsonType(v[0]!) : JSON_TYPE);
  return { kind: "record", fields: Object.keys(v).map((k) => ({ name: k, type: jsonType(v[k]!), hasDefault: false })) };
}
