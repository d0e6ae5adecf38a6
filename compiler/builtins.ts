// What every `.aiw` file can use without declaring it: the primitive types,
// the built-in tools (run by the runtime and by the Airflow support module),
// and the pure functions expressions may call. Engines implement exactly these.

import { BOOLEAN, JSON_TYPE, NUMBER, STRING, isAssignable, list, optional, record, typeToString, type Type } from "./types.ts";

export const PRIMITIVE_TYPES: Readonly<Record<string, Type>> = {
  string: STRING,
  number: NUMBER,
  boolean: BOOLEAN,
  json: JSON_TYPE,
};

export interface BuiltinParam {
  readonly name: string;
  readonly type: Type;
  /** JSON default; a parameter with one may be left out. */
  readonly default?: null | boolean | number | string | Record<string, never>;
}

export interface BuiltinTool {
  readonly name: string;
  readonly params: readonly BuiltinParam[];
  readonly returns: Type;
  readonly doc: string;
  /** Needs the calling task's agent to have memory. */
  readonly needsMemory?: boolean;
}

const tools: BuiltinTool[] = [
  {
    name: "read_text",
    params: [{ name: "path", type: STRING }],
    returns: record([["text", STRING]]),
    doc: "Reads a UTF-8 text file inside the work folder.",
  },
  {
    name: "write_text",
    params: [
      { name: "path", type: STRING },
      { name: "text", type: STRING },
    ],
    returns: record([
      ["path", STRING],
      ["bytes", NUMBER],
    ]),
    doc: "Writes a UTF-8 text file inside the work folder (parent folders are created).",
  },
  {
    name: "http_request",
    params: [
      { name: "url", type: STRING },
      { name: "method", type: STRING, default: "GET" },
      { name: "body", type: optional(STRING), default: null },
      { name: "headers", type: JSON_TYPE, default: {} },
      { name: "timeout_ms", type: NUMBER, default: 10000 },
      { name: "max_bytes", type: NUMBER, default: 1048576 },
    ],
    returns: record([
      ["status", NUMBER],
      ["body", STRING],
      ["headers", JSON_TYPE],
    ]),
    doc: "Sends an HTTP request; the response body is limited to max_bytes.",
  },
  {
    name: "regex_extract",
    params: [
      { name: "text", type: STRING },
      { name: "pattern", type: STRING },
    ],
    returns: record([
      ["matched", BOOLEAN],
      ["match", STRING],
      ["groups", list(STRING)],
      ["all", list(STRING)],
    ]),
    doc: "Finds a regular expression in text: the first match, its groups, and every match.",
  },
  {
    name: "json_extract",
    params: [
      { name: "text", type: STRING },
      { name: "path", type: STRING, default: "" },
    ],
    returns: record([
      ["found", BOOLEAN],
      ["value", JSON_TYPE],
    ]),
    doc: "Parses JSON text and picks the value at a dotted path such as `items.0.name` (empty: the whole document).",
  },
  {
    name: "render_template",
    params: [
      { name: "template", type: STRING },
      { name: "values", type: JSON_TYPE },
    ],
    returns: record([["text", STRING]]),
    doc: "Replaces `{{name}}` placeholders (dotted paths allowed) with values.",
  },
  {
    name: "remember",
    params: [{ name: "text", type: STRING }],
    returns: record([["stored", NUMBER]]),
    doc: "Stores text in the memory of the task's agent.",
    needsMemory: true,
  },
  {
    name: "recall",
    params: [
      { name: "query", type: STRING },
      { name: "top_k", type: optional(NUMBER), default: null },
    ],
    returns: record([
      [
        "hits",
        list(
          record([
            ["text", STRING],
            ["score", NUMBER],
          ]),
        ),
      ],
    ]),
    doc: "Returns the texts in the agent's memory that best match the query (BM25), best first.",
    needsMemory: true,
  },
];

export const BUILTIN_TOOLS: ReadonlyMap<string, BuiltinTool> = new Map(tools.map((t) => [t.name, t]));

/**
 * Pure functions usable in any expression. `check` gives the result type for
 * argument types, or a message saying what is wrong.
 */
export interface BuiltinFunction {
  readonly name: string;
  readonly signature: string;
  readonly doc: string;
  readonly arity: readonly [number, number];
  readonly check: (args: readonly Type[]) => Type | string;
}

const isList = (t: Type) => t.kind === "list" || t.kind === "json" || t.kind === "error";
const isText = (t: Type) => t.kind === "string" || t.kind === "json" || t.kind === "error";
const isNum = (t: Type) => t.kind === "number" || t.kind === "json" || t.kind === "error";
/** A list whose items pass `item` (a json value passes: it is checked at run time). */
const listOf = (t: Type, item: (t: Type) => boolean) => t.kind === "json" || t.kind === "error" || (t.kind === "list" && item(t.element));

function fn(name: string, signature: string, doc: string, arity: [number, number], check: (a: readonly Type[]) => Type | string): BuiltinFunction {
  return { name, signature, doc, arity, check };
}

const strings = (n: string, ret: Type) => (a: readonly Type[]) => (a.every(isText) ? ret : `${n} takes strings`);
const numbers = (n: string, ret: Type) => (a: readonly Type[]) => (a.every(isNum) ? ret : `${n} takes numbers`);

const functions: BuiltinFunction[] = [
  fn("len", "len(value: string | list) -> number", "Length of a string (in characters) or of a list.", [1, 1], (a) =>
    isText(a[0]!) || isList(a[0]!) ? NUMBER : "len takes a string or a list",
  ),
  fn("lower", "lower(text: string) -> string", "Lower-case text.", [1, 1], strings("lower", STRING)),
  fn("upper", "upper(text: string) -> string", "Upper-case text.", [1, 1], strings("upper", STRING)),
  fn("trim", "trim(text: string) -> string", "Text without leading and trailing white space.", [1, 1], strings("trim", STRING)),
  fn("contains", "contains(haystack: string | list, needle) -> boolean", "Whether a string contains a substring, or a list an item.", [2, 2], (a) =>
    isText(a[0]!) || isList(a[0]!) ? BOOLEAN : "contains takes a string or a list first",
  ),
  fn("starts_with", "starts_with(text: string, prefix: string) -> boolean", "Whether text starts with prefix.", [2, 2], strings("starts_with", BOOLEAN)),
  fn("ends_with", "ends_with(text: string, suffix: string) -> boolean", "Whether text ends with suffix.", [2, 2], strings("ends_with", BOOLEAN)),
  fn("replace", "replace(text: string, old: string, new: string) -> string", "Text with every occurrence of old replaced by new.", [3, 3], strings("replace", STRING)),
  fn("split", "split(text: string, separator: string) -> string[]", "Text cut at every separator.", [2, 2], strings("split", list(STRING))),
  fn("join", "join(items: string[], separator: string) -> string", "Items joined with a separator between them.", [2, 2], (a) =>
    listOf(a[0]!, isText) && isText(a[1]!) ? STRING : "join takes a list of strings and a separator",
  ),
  fn("to_string", "to_string(value) -> string", "A value as text (JSON for lists and records).", [1, 1], () => STRING),
  fn("to_number", "to_number(text: string | number) -> number", "Text parsed as a number; fails the task when it is not one.", [1, 1], (a) =>
    isText(a[0]!) || isNum(a[0]!) ? NUMBER : "to_number takes a string or a number",
  ),
  fn("round", "round(x: number, digits: number = 0) -> number", "x rounded half away from zero to a number of decimal digits.", [1, 2], numbers("round", NUMBER)),
  fn("floor", "floor(x: number) -> number", "The largest integer not above x.", [1, 1], numbers("floor", NUMBER)),
  fn("ceil", "ceil(x: number) -> number", "The smallest integer not below x.", [1, 1], numbers("ceil", NUMBER)),
  fn("abs", "abs(x: number) -> number", "Absolute value.", [1, 1], numbers("abs", NUMBER)),
  fn("min", "min(items: number[]) -> number", "Smallest item of a non-empty list.", [1, 1], (a) => (listOf(a[0]!, isNum) ? NUMBER : "min takes a list of numbers")),
  fn("max", "max(items: number[]) -> number", "Largest item of a non-empty list.", [1, 1], (a) => (listOf(a[0]!, isNum) ? NUMBER : "max takes a list of numbers")),
  fn("sum", "sum(items: number[]) -> number", "Sum of a list of numbers (0 when empty).", [1, 1], (a) => (listOf(a[0]!, isNum) ? NUMBER : "sum takes a list of numbers")),
  fn("keys", "keys(record) -> string[]", "The field names of a record, sorted.", [1, 1], (a) =>
    a[0]!.kind === "record" || a[0]!.kind === "json" || a[0]!.kind === "error" ? list(STRING) : "keys takes a record",
  ),
  fn("coalesce", "coalesce(value: T?, fallback: T) -> T", "value, or fallback when value is null.", [2, 2], (a) => {
    const value = a[0]!.kind === "optional" ? a[0]!.inner : a[0]!;
    if (a[1]!.kind === "null") return a[0]!;
    if (value.kind === "null" || value.kind === "json" || value.kind === "error") return a[1]!;
    return isAssignable(a[1]!, value) ? value : `coalesce needs a fallback of the value's type (${typeToString(value)})`;
  }),
];

export const BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map(functions.map((f) => [f.name, f]));
