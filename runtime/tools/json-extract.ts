// Built-in `json_extract(text, path)`: parses JSON and picks the value at a
// dotted path (`items.0.name`). The path lookup is shared with render_template.

import type { Value } from "../values.ts";
import { ToolError, type ToolFunction } from "./tool.ts";

export const jsonExtract: ToolFunction = (args, ctx) => {
  ctx.signal.throwIfAborted();
  const text = args["text"];
  const path = args["path"] ?? "";
  if (typeof text !== "string") throw new ToolError("json_extract: 'text' must be a string");
  if (typeof path !== "string") throw new ToolError("json_extract: 'path' must be a string");
  const segments = path === "" ? [] : path.split(".");
  if (segments.includes("")) throw new ToolError(`json_extract: path '${path}' has an empty part (write names and indexes separated by single dots)`);
  let doc: Value;
  try {
    doc = JSON.parse(text) as Value;
  } catch (e) {
    throw new ToolError(`json_extract: invalid JSON: ${describeJsonError(text, e)}`);
  }
  const found = lookupPath(doc, segments);
  return found === undefined ? { found: false, value: null } : { found: true, value: found };
};

/**
 * The value at a path of record keys and list indexes, or undefined. Only
 * own properties count, so `__proto__` or `constructor` never reach into
 * Object.prototype; list indexes are written without sign or leading zeros.
 */
export function lookupPath(value: Value, segments: readonly string[]): Value | undefined {
  let cur: Value | undefined = value;
  for (const seg of segments) {
    if (Array.isArray(cur)) {
      cur = /^(0|[1-9][0-9]*)$/.test(seg) ? cur[Number(seg)] : undefined;
    } else if (typeof cur === "object" && cur !== null) {
      cur = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * "line L column C: what". V8's own message gives a position for some
 * mistakes only (`Unexpected token 'x', "..." is not valid JSON` has none, and
 * quotes the text), so a small scanner finds the first error itself.
 */
function describeJsonError(text: string, e: unknown): string {
  const err = locateJsonError(text);
  if (err === undefined) return e instanceof Error ? e.message : String(e);
  const before = text.slice(0, err.at);
  const line = before.split("\n").length;
  const column = err.at - (before.lastIndexOf("\n") + 1) + 1;
  return `line ${line} column ${column} (position ${err.at}): ${err.what}`;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERAL = /true|false|null/y;

/** The first syntax error in JSON text, or undefined when it is valid. Iterative: deep nesting cannot overflow the stack. */
export function locateJsonError(s: string): { at: number; what: string } | undefined {
  const stack: ("[" | "{")[] = [];
  let expect: "value" | "first-value" | "key" | "first-key" | "after" = "value";
  let i = 0;
  // A hand-written loop: a regex for strings backtracks badly on a long unterminated one.
  const string = (): { at: number; what: string } | undefined => {
    let j = i + 1;
    while (j < s.length) {
      const ch = s.charCodeAt(j);
      if (ch === 0x22) {
        i = j + 1;
        return undefined;
      }
      if (ch < 0x20) return { at: j, what: "control character in a string (write it as an escape such as \\n)" };
      if (ch !== 0x5c) j++;
      else if (/^["\\/bfnrt]$/.test(s[j + 1] ?? "")) j += 2;
      else if (/^u[0-9a-fA-F]{4}$/.test(s.slice(j + 1, j + 6))) j += 6;
      else return { at: j, what: "invalid escape in a string" };
    }
    return { at: s.length, what: "unterminated string" };
  };
  const sticky = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(s)) return false;
    i = re.lastIndex;
    return true;
  };
  for (;;) {
    while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\n" || s[i] === "\r")) i++;
    if (i >= s.length) return expect === "after" && stack.length === 0 ? undefined : { at: i, what: "unexpected end of the text" };
    const c = s[i]!;
    const shown = JSON.stringify(c);
    switch (expect) {
      case "first-value":
      case "value":
        if (expect === "first-value" && c === "]") {
          stack.pop();
          i++;
          expect = "after";
        } else if (c === "{" || c === "[") {
          stack.push(c);
          i++;
          expect = c === "{" ? "first-key" : "first-value";
        } else if (c === '"') {
          const bad = string();
          if (bad !== undefined) return bad;
          expect = "after";
        } else if (sticky(NUMBER) || sticky(LITERAL)) {
          expect = "after";
        } else {
          return { at: i, what: `unexpected ${shown}, expected a value` };
        }
        break;
      case "first-key":
      case "key":
        if (expect === "first-key" && c === "}") {
          stack.pop();
          i++;
          expect = "after";
          break;
        }
        if (c !== '"') return { at: i, what: `unexpected ${shown}, expected a property name in double quotes` };
        const bad = string();
        if (bad !== undefined) return bad;
        while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\n" || s[i] === "\r")) i++;
        if (s[i] !== ":") return { at: i, what: "expected ':' after the property name" };
        i++;
        expect = "value";
        break;
      case "after": {
        const top = stack.at(-1);
        if (top === undefined) return { at: i, what: `unexpected ${shown} after the end of the JSON value` };
        const close = top === "{" ? "}" : "]";
        if (c === ",") {
          i++;
          expect = top === "{" ? "key" : "value";
        } else if (c === close) {
          stack.pop();
          i++;
        } else {
          return { at: i, what: `unexpected ${shown}, expected ',' or '${close}'` };
        }
        break;
      }
    }
  }
}
