// The expression interpreter: evaluates IR expressions (guards, `when`,
// arguments, string templates) over flow inputs, task outputs and loop
// variables. No eval, no Function: a tree walk with a work budget and a cap
// on the size of what it builds, so no expression can hang or exhaust memory.

import type { IrBinaryOperator, IrExpr } from "../compiler/ir.ts";
import { describe, isRecord, setField, stableJson, toText, type Record_, type Value } from "./values.ts";

export interface Scope {
  readonly inputs: Readonly<Record<string, Value>>;
  /** Outputs of finished tasks by id (a skipped task's output is null). */
  output(taskId: string): Value | undefined;
  /** Loop variables and guardrail parameters. */
  readonly vars?: Readonly<Record<string, Value>>;
}

export interface Limits {
  /** Expression nodes visited, plus list items and characters produced. */
  readonly steps: number;
  /** Longest string or list an expression may build. */
  readonly maxLength: number;
}

export const DEFAULT_LIMITS: Limits = { steps: 1_000_000, maxLength: 10_000_000 };

/** A user-visible evaluation failure: fails the task with this message. */
export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
}

export function evaluate(e: IrExpr, scope: Scope, limits: Limits = DEFAULT_LIMITS): Value {
  const budget = { left: limits.steps };
  return new Interpreter(scope, limits, budget).eval(e, 0);
}

class Interpreter {
  private readonly scope: Scope;
  private readonly limits: Limits;
  private readonly budget: { left: number };

  constructor(scope: Scope, limits: Limits, budget: { left: number }) {
    this.scope = scope;
    this.limits = limits;
    this.budget = budget;
  }

  private spend(n: number): void {
    this.budget.left -= n;
    if (this.budget.left < 0) throw new EvaluationError("expression too expensive: it exceeded its work budget");
  }

  private checkLength(n: number, what: string): void {
    if (n > this.limits.maxLength) throw new EvaluationError(`${what} too large: ${n} exceeds the limit of ${this.limits.maxLength}`);
    this.spend(n >>> 4);
  }

  eval(e: IrExpr, depth: number): Value {
    this.spend(1);
    if (depth > 256) throw new EvaluationError("expression nested too deeply");
    switch (e.op) {
      case "lit":
        return e.value;
      case "input": {
        if (!Object.hasOwn(this.scope.inputs, e.name)) throw new EvaluationError(`no input '${e.name}'`);
        return this.scope.inputs[e.name]!;
      }
      case "task": {
        const v = this.scope.output(e.name);
        if (v === undefined) throw new EvaluationError(`task '${e.name}' has no output yet`);
        return v;
      }
      case "var": {
        const vars = this.scope.vars;
        if (vars === undefined || !Object.hasOwn(vars, e.name)) throw new EvaluationError(`no variable '${e.name}'`);
        return vars[e.name]!;
      }
      case "get": {
        const obj = this.eval(e.object, depth + 1);
        if (obj === null) return null; // optional values propagate null
        if (!isRecord(obj)) throw new EvaluationError(`cannot read field '${e.field}' of ${describe(obj)}`);
        return Object.hasOwn(obj, e.field) ? obj[e.field]! : null;
      }
      case "index":
        return this.index(this.eval(e.object, depth + 1), this.eval(e.index, depth + 1));
      case "call":
        return callFunction(
          e.fn,
          e.args.map((a) => this.eval(a, depth + 1)),
          this,
        );
      case "not": {
        const v = this.eval(e.operand, depth + 1);
        if (typeof v !== "boolean") throw new EvaluationError(`'not' needs a boolean, found ${describe(v)}`);
        return !v;
      }
      case "neg": {
        const v = this.eval(e.operand, depth + 1);
        if (typeof v !== "number") throw new EvaluationError(`'-' needs a number, found ${describe(v)}`);
        return -v;
      }
      case "binary":
        return this.binary(e.operator, e.left, e.right, depth);
      case "list": {
        this.checkLength(e.items.length, "list");
        return e.items.map((i) => this.eval(i, depth + 1));
      }
      case "record": {
        const out: Record_ = {};
        for (const f of e.fields) setField(out, f.name, this.eval(f.value, depth + 1));
        return out;
      }
      case "concat": {
        let s = "";
        for (const p of e.parts) {
          s += toText(this.eval(p, depth + 1));
          this.checkLength(s.length, "string");
        }
        return s;
      }
    }
  }

  private index(obj: Value, idx: Value): Value {
    if (obj === null) return null;
    if (typeof idx !== "number" || !Number.isInteger(idx)) throw new EvaluationError(`an index must be a whole number, found ${describe(idx)}`);
    // Strings are indexed by code point, as len counts them.
    const seq = Array.isArray(obj) ? obj : typeof obj === "string" ? [...obj] : undefined;
    if (seq !== undefined) {
      if (idx < 0 || idx >= seq.length) throw new EvaluationError(`index ${idx} is out of range (length ${seq.length})`);
      return seq[idx]!;
    }
    throw new EvaluationError(`cannot index ${describe(obj)}`);
  }

  private binary(op: IrBinaryOperator, le: IrExpr, re: IrExpr, depth: number): Value {
    if (op === "and" || op === "or") {
      const l = this.eval(le, depth + 1);
      if (typeof l !== "boolean") throw new EvaluationError(`'${op}' needs booleans, found ${describe(l)}`);
      if (op === "and" ? !l : l) return l;
      const r = this.eval(re, depth + 1);
      if (typeof r !== "boolean") throw new EvaluationError(`'${op}' needs booleans, found ${describe(r)}`);
      return r;
    }
    const l = this.eval(le, depth + 1);
    const r = this.eval(re, depth + 1);
    switch (op) {
      case "==":
        return deepEqual(l, r, this);
      case "!=":
        return !deepEqual(l, r, this);
      case "<":
      case "<=":
      case ">":
      case ">=": {
        if (!((typeof l === "number" && typeof r === "number") || (typeof l === "string" && typeof r === "string"))) {
          throw new EvaluationError(`'${op}' compares two numbers or two strings, found ${describe(l)} and ${describe(r)}`);
        }
        return op === "<" ? l < r : op === "<=" ? l <= r : op === ">" ? l > r : l >= r;
      }
      case "in":
      case "not in": {
        const found = contains(r, l, this);
        return op === "in" ? found : !found;
      }
      case "+": {
        if (typeof l === "number" && typeof r === "number") return finite(l + r);
        if (typeof l === "string" && typeof r === "string") {
          this.checkLength(l.length + r.length, "string");
          return l + r;
        }
        if (Array.isArray(l) && Array.isArray(r)) {
          this.checkLength(l.length + r.length, "list");
          return [...l, ...r];
        }
        throw new EvaluationError(`'+' adds numbers or joins strings or lists, found ${describe(l)} and ${describe(r)}`);
      }
      default: {
        if (typeof l !== "number" || typeof r !== "number") throw new EvaluationError(`'${op}' needs numbers, found ${describe(l)} and ${describe(r)}`);
        if ((op === "/" || op === "%") && r === 0) throw new EvaluationError(`division by zero`);
        return finite(op === "-" ? l - r : op === "*" ? l * r : op === "/" ? l / r : l % r);
      }
    }
  }

  /** Lets built-in functions charge the budget and check sizes. */
  charge(n: number): void {
    this.spend(n);
  }

  length(n: number, what: string): void {
    this.checkLength(n, what);
  }
}

function finite(n: number): number {
  if (!Number.isFinite(n)) throw new EvaluationError("the result is not a finite number");
  return n;
}

function deepEqual(a: Value, b: Value, it: Interpreter): boolean {
  it.charge(1);
  if (a === b) return true;
  if (a === null || b === null || typeof a !== typeof b) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]!, it));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k]!, b[k]!, it));
  }
  return false;
}

function contains(container: Value, item: Value, it: Interpreter): boolean {
  if (container === null) return false;
  if (typeof container === "string") {
    if (typeof item !== "string") throw new EvaluationError(`'in' on a string needs a string, found ${describe(item)}`);
    it.charge(container.length >>> 4);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item, it));
  throw new EvaluationError(`'in' needs a list or a string on its right, found ${describe(container)}`);
}

// ------------------------------------------------------------ built-in functions
// The same set as compiler/builtins.ts BUILTIN_FUNCTIONS (a test keeps them equal).

type Fn = (args: Value[], it: Interpreter) => Value;

const str = (v: Value, fn: string, what = "a string"): string => {
  if (typeof v !== "string") throw new EvaluationError(`${fn} needs ${what}, found ${describe(v)}`);
  return v;
};
const num = (v: Value, fn: string): number => {
  if (typeof v !== "number") throw new EvaluationError(`${fn} needs a number, found ${describe(v)}`);
  return v;
};
const numbers = (v: Value, fn: string): number[] => {
  if (!Array.isArray(v)) throw new EvaluationError(`${fn} needs a list of numbers, found ${describe(v)}`);
  return v.map((x) => num(x, fn));
};

/** Round half away from zero, to `digits` decimals, in decimal (not binary) terms. */
export function roundHalfAway(x: number, digits: number): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) throw new EvaluationError("round: digits must be a whole number from 0 to 15");
  const sign = x < 0 ? -1 : 1;
  const shifted = Number(`${Math.abs(x)}e${digits}`);
  return sign * Number(`${Math.round(shifted)}e-${digits}`);
}

export const FUNCTIONS: ReadonlyMap<string, Fn> = new Map<string, Fn>([
  ["len", ([v]) => (typeof v === "string" ? [...v].length : Array.isArray(v) ? v.length : (() => { throw new EvaluationError(`len needs a string or a list, found ${describe(v!)}`); })())],
  ["lower", ([v]) => str(v!, "lower").toLowerCase()],
  ["upper", ([v]) => str(v!, "upper").toUpperCase()],
  ["trim", ([v]) => str(v!, "trim").trim()],
  ["contains", ([h, n], it) => contains(h!, n!, it)],
  ["starts_with", ([t, p]) => str(t!, "starts_with").startsWith(str(p!, "starts_with"))],
  ["ends_with", ([t, s]) => str(t!, "ends_with").endsWith(str(s!, "ends_with"))],
  [
    "replace",
    ([t, o, n], it) => {
      const text = str(t!, "replace");
      const old = str(o!, "replace");
      const rep = str(n!, "replace");
      if (old === "") throw new EvaluationError("replace: the text to replace is empty");
      const count = text.split(old).length - 1;
      it.length(text.length + count * (rep.length - old.length), "string");
      return text.split(old).join(rep);
    },
  ],
  [
    "split",
    ([t, s], it) => {
      const text = str(t!, "split");
      const sep = str(s!, "split");
      if (sep === "") throw new EvaluationError("split: the separator is empty");
      const parts = text.split(sep);
      it.length(parts.length, "list");
      return parts;
    },
  ],
  [
    "join",
    ([items, s], it) => {
      if (!Array.isArray(items)) throw new EvaluationError(`join needs a list, found ${describe(items!)}`);
      const sep = str(s!, "join");
      const out = items.map((x) => toText(x)).join(sep);
      it.length(out.length, "string");
      return out;
    },
  ],
  ["to_string", ([v], it) => {
    const out = toText(v!);
    it.length(out.length, "string");
    return out;
  }],
  [
    "to_number",
    ([v]) => {
      if (typeof v === "number") return v;
      const s = str(v!, "to_number", "a string or a number").trim();
      const n = s === "" ? NaN : Number(s);
      if (!Number.isFinite(n)) throw new EvaluationError(`to_number: '${s.length > 40 ? `${s.slice(0, 40)}...` : s}' is not a number`);
      return n;
    },
  ],
  ["round", ([x, d]) => roundHalfAway(num(x!, "round"), d === undefined ? 0 : num(d, "round"))],
  ["floor", ([x]) => Math.floor(num(x!, "floor"))],
  ["ceil", ([x]) => Math.ceil(num(x!, "ceil"))],
  ["abs", ([x]) => Math.abs(num(x!, "abs"))],
  ["min", ([xs]) => {
    const ns = numbers(xs!, "min");
    if (ns.length === 0) throw new EvaluationError("min of an empty list");
    return ns.reduce((a, b) => (b < a ? b : a));
  }],
  ["max", ([xs]) => {
    const ns = numbers(xs!, "max");
    if (ns.length === 0) throw new EvaluationError("max of an empty list");
    return ns.reduce((a, b) => (b > a ? b : a));
  }],
  ["sum", ([xs]) => finite(numbers(xs!, "sum").reduce((a, b) => a + b, 0))],
  ["keys", ([r]) => {
    if (!isRecord(r!)) throw new EvaluationError(`keys needs a record, found ${describe(r!)}`);
    return Object.keys(r as Record_).sort();
  }],
  ["coalesce", ([v, f]) => (v === null ? f! : v!)],
]);

function callFunction(name: string, args: Value[], it: Interpreter): Value {
  const fn = FUNCTIONS.get(name);
  if (fn === undefined) throw new EvaluationError(`no function '${name}'`);
  it.charge(args.length);
  return fn(args, it);
}

export { stableJson };
