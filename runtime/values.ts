// Run-time values: JSON data flowing between tasks, and checks of values
// against IR types (flow inputs before a run, tool outputs after each call).

import type { IrProgram, IrType, JsonValue } from "../compiler/ir.ts";

export type Value = JsonValue;
export type Record_ = { [key: string]: Value };

/**
 * Checks a value against a type; returns undefined when it fits, or a
 * message naming the first place it does not ("field 'score': expected
 * number, found string"). Fields with defaults are filled in place by
 * `withDefaults` before checking.
 */
export function checkValue(value: unknown, type: IrType, program: Pick<IrProgram, "types">, path = "", depth = 0): string | undefined {
  if (depth > 64) return undefined;
  const at = path === "" ? "" : `${path}: `;
  switch (type.kind) {
    case "json":
      return isJson(value, 0) ? undefined : `${at}not JSON data`;
    case "null":
      return value === null ? undefined : `${at}expected null, found ${describe(value)}`;
    case "string":
      return typeof value === "string" ? undefined : `${at}expected string, found ${describe(value)}`;
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : `${at}expected number, found ${describe(value)}`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `${at}expected boolean, found ${describe(value)}`;
    case "optional":
      return value === null || value === undefined ? undefined : checkValue(value, type.inner, program, path, depth + 1);
    case "list": {
      if (!Array.isArray(value)) return `${at}expected a list, found ${describe(value)}`;
      for (let i = 0; i < value.length; i++) {
        const m = checkValue(value[i], type.element, program, `${path}[${i}]`, depth + 1);
        if (m !== undefined) return m;
      }
      return undefined;
    }
    case "named": {
      const t = program.types[type.name];
      return t === undefined ? undefined : checkValue(value, t, program, path, depth + 1);
    }
    case "record": {
      if (!isRecord(value)) return `${at}expected a record, found ${describe(value)}`;
      for (const f of type.fields) {
        const v = Object.hasOwn(value, f.name) ? value[f.name] : undefined;
        if (v === undefined) {
          if (f.default !== undefined || f.type.kind === "optional" || f.type.kind === "json") continue;
          return `${path === "" ? "" : `${path}.`}${f.name}: missing`;
        }
        const m = checkValue(v, f.type, program, path === "" ? f.name : `${path}.${f.name}`, depth + 1);
        if (m !== undefined) return m;
      }
      return undefined;
    }
  }
}

/** A copy of a record value with missing defaulted fields filled in (recursively for named records). */
export function withDefaults(value: Value, type: IrType, program: Pick<IrProgram, "types">, depth = 0): Value {
  if (depth > 64 || value === null) return value;
  if (type.kind === "named") {
    const t = program.types[type.name];
    return t === undefined ? value : withDefaults(value, t, program, depth + 1);
  }
  if (type.kind === "optional") return withDefaults(value, type.inner, program, depth + 1);
  if (type.kind === "list" && Array.isArray(value)) return value.map((v) => withDefaults(v, type.element, program, depth + 1));
  if (type.kind === "record" && isRecord(value)) {
    const out: Record_ = {};
    for (const k of Object.keys(value)) setField(out, k, value[k]!);
    for (const f of type.fields) {
      if (!Object.hasOwn(out, f.name) && f.default !== undefined) setField(out, f.name, f.default);
      else if (Object.hasOwn(out, f.name)) setField(out, f.name, withDefaults(out[f.name]!, f.type, program, depth + 1));
    }
    return out;
  }
  return value;
}

/** Sets a field without invoking `__proto__` setters: user data may hold any key. */
export function setField(obj: Record_, key: string, value: Value): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isRecord(v: unknown): v is Record_ {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isJson(v: unknown, depth: number): boolean {
  if (depth > 256) return false;
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v as object).every((x) => isJson(x, depth + 1));
  }
  return false;
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (typeof v === "object") return "a record";
  return typeof v;
}

/** How a value is turned into text in interpolations and to_string: JSON for structures. */
export function toText(v: Value): string {
  if (typeof v === "string") return v;
  if (v === null) return "null";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return stableJson(v);
}

/**
 * Numbers as text, identically in every engine: integers without a decimal
 * point; others in the shortest form that reads back exactly.
 */
export function formatNumber(n: number): string {
  if (Object.is(n, -0)) return "0";
  return String(n);
}

/** JSON with object keys in insertion order and no spaces: the same bytes in every engine. */
export function stableJson(v: Value): string {
  return JSON.stringify(v);
}
