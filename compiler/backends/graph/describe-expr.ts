// Turns an IR expression back into short .aiw-like text for graph labels.
// The output is raw user text: each graph backend escapes it for its own syntax.

import type { IrBinaryOperator, IrExpr, JsonValue } from "../../ir.ts";

/** Labels longer than this are cut: a graph node is no place for a whole expression. */
export const MAX_LABEL_CHARS = 40;

export function describeExpr(expr: IrExpr, max = MAX_LABEL_CHARS): string {
  return truncate(exprText(expr), max);
}

export function truncate(text: string, max = MAX_LABEL_CHARS): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

// Loosest first, as in the grammar: or, and, not, comparison, + -, * / %, unary -, postfix.
const PREC_OR = 1;
const PREC_AND = 2;
const PREC_NOT = 3;
const PREC_COMPARE = 4;
const PREC_ADD = 5;
const PREC_MUL = 6;
const PREC_NEG = 7;
const PREC_ATOM = 8;

function binaryPrec(op: IrBinaryOperator): number {
  switch (op) {
    case "or":
      return PREC_OR;
    case "and":
      return PREC_AND;
    case "+":
    case "-":
      return PREC_ADD;
    case "*":
    case "/":
    case "%":
      return PREC_MUL;
    default:
      return PREC_COMPARE;
  }
}

function precOf(e: IrExpr): number {
  if (e.op === "binary") return binaryPrec(e.operator);
  if (e.op === "not") return PREC_NOT;
  if (e.op === "neg") return PREC_NEG;
  return PREC_ATOM;
}

/** Wraps in parentheses when the child binds looser than its position allows. */
function operand(e: IrExpr, minPrec: number): string {
  const text = exprText(e);
  return precOf(e) < minPrec ? `(${text})` : text;
}

function exprText(e: IrExpr): string {
  switch (e.op) {
    case "lit":
      return jsonText(e.value);
    case "input":
    case "task":
    case "var":
      return e.name;
    case "get":
      return `${operand(e.object, PREC_ATOM)}.${e.field}`;
    case "index":
      return `${operand(e.object, PREC_ATOM)}[${exprText(e.index)}]`;
    case "call":
      return `${e.fn}(${e.args.map(exprText).join(", ")})`;
    case "not":
      return `not ${operand(e.operand, PREC_NOT)}`;
    case "neg":
      return `-${operand(e.operand, PREC_NEG)}`;
    case "binary":
      return binaryText(e.operator, e.left, e.right);
    case "list":
      return `[${e.items.map(exprText).join(", ")}]`;
    case "record":
      return `{ ${e.fields.map((f) => `${f.name}: ${exprText(f.value)}`).join(", ")} }`;
    case "concat":
      return `"${e.parts.map(interpolationPart).join("")}"`;
  }
}

function binaryText(op: IrBinaryOperator, left: IrExpr, right: IrExpr): string {
  const p = binaryPrec(op);
  // Comparisons do not chain in the grammar, so a comparison operand of one needs parentheses.
  const leftMin = p === PREC_COMPARE ? p + 1 : p;
  return `${operand(left, leftMin)} ${op} ${operand(right, p + 1)}`;
}

function interpolationPart(e: IrExpr): string {
  return e.op === "lit" && typeof e.value === "string" ? stringBody(e.value) : `\${${exprText(e)}}`;
}

function jsonText(v: JsonValue): string {
  if (typeof v === "string") return `"${stringBody(v)}"`;
  if (v === null || typeof v !== "object") return String(v);
  if (Array.isArray(v)) return `[${v.map(jsonText).join(", ")}]`;
  return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${jsonText(x)}`).join(", ")} }`;
}

/** The inside of a string literal as it would be written: escapes, and `${` kept literal. */
function stringBody(s: string): string {
  return JSON.stringify(s).slice(1, -1).replaceAll("${", "\\${");
}
