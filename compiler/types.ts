// The checker's types: structural, with named records keeping their name for
// messages. `json` is the escape hatch (anything goes both ways); `error`
// marks something already reported, so one mistake is not reported twice.

export type Type =
  | { readonly kind: "string" }
  | { readonly kind: "number" }
  | { readonly kind: "boolean" }
  | { readonly kind: "null" }
  | { readonly kind: "json" }
  | { readonly kind: "error" }
  | { readonly kind: "list"; readonly element: Type }
  | { readonly kind: "optional"; readonly inner: Type }
  | RecordType;

export interface RecordType {
  readonly kind: "record";
  readonly fields: readonly FieldType[];
  /** The declared name (`type Invoice {...}`), for messages and the IR. */
  readonly name?: string;
  /** The declaration it comes from: two files may declare types of one name. */
  readonly origin?: object;
}

export interface FieldType {
  readonly name: string;
  readonly type: Type;
  /** A field with a default may be left out of a value. */
  readonly hasDefault: boolean;
  /** The default's value, when it is a constant. */
  readonly defaultValue?: null | boolean | number | string | readonly unknown[] | { readonly [k: string]: unknown };
}

export const STRING: Type = { kind: "string" };
export const NUMBER: Type = { kind: "number" };
export const BOOLEAN: Type = { kind: "boolean" };
export const NULL: Type = { kind: "null" };
export const JSON_TYPE: Type = { kind: "json" };
export const ERROR: Type = { kind: "error" };

export function list(element: Type): Type {
  return { kind: "list", element };
}

export function optional(inner: Type): Type {
  return inner.kind === "optional" || inner.kind === "null" || inner.kind === "json" || inner.kind === "error" ? inner : { kind: "optional", inner };
}

export function record(fields: readonly [string, Type][], name?: string): RecordType {
  return { kind: "record", fields: fields.map(([n, t]) => ({ name: n, type: t, hasDefault: false })), ...(name !== undefined ? { name } : {}) };
}

export function field(t: Type, name: string): Type | undefined {
  if (t.kind === "json" || t.kind === "error") return t;
  if (t.kind === "record") return t.fields.find((f) => f.name === name)?.type;
  return undefined;
}

/** Strips one layer of optional. */
export function nonNull(t: Type): Type {
  return t.kind === "optional" ? t.inner : t;
}

export function isOpaque(t: Type): boolean {
  return t.kind === "json" || t.kind === "error";
}

/** Can a value of type `from` be used where `to` is expected? */
export function isAssignable(from: Type, to: Type, depth = 0): boolean {
  if (depth > 64) return true;
  if (isOpaque(from) || isOpaque(to)) return true;
  if (to.kind === "optional") {
    if (from.kind === "null") return true;
    if (from.kind === "optional") return isAssignable(from.inner, to.inner, depth + 1);
    return isAssignable(from, to.inner, depth + 1);
  }
  switch (to.kind) {
    case "string":
    case "number":
    case "boolean":
    case "null":
      return from.kind === to.kind;
    case "list":
      return from.kind === "list" && isAssignable(from.element, to.element, depth + 1);
    case "record": {
      if (from.kind !== "record") return false;
      for (const f of to.fields) {
        const g = from.fields.find((x) => x.name === f.name);
        if (g === undefined) {
          if (!f.hasDefault && f.type.kind !== "optional") return false;
          continue;
        }
        if (!isAssignable(g.type, f.type, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** The fields a record value lacks for `to`, for messages. */
export function missingFields(from: RecordType, to: RecordType): string[] {
  return to.fields.filter((f) => !f.hasDefault && f.type.kind !== "optional" && !from.fields.some((g) => g.name === f.name)).map((f) => f.name);
}

/** How a type is written in `.aiw` source. */
export function typeToString(t: Type, depth = 0): string {
  if (depth > 4) return "...";
  switch (t.kind) {
    case "list": {
      return `${typeToString(t.element, depth + 1)}[]`;
    }
    case "optional":
      return `${typeToString(t.inner, depth + 1)}?`;
    case "record":
      if (t.name !== undefined) return t.name;
      return `{ ${t.fields.map((f) => `${f.name}: ${typeToString(f.type, depth + 1)}`).join(", ")} }`;
    case "error":
      return "unknown";
    default:
      return t.kind;
  }
}

export function sameType(a: Type, b: Type): boolean {
  return isAssignable(a, b) && isAssignable(b, a);
}
