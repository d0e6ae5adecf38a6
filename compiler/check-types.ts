// Type expressions -> types: built-in names, declared types (resolved once
// and cached), lists, optionals and inline records.

import type * as A from "./ast.ts";
import { PRIMITIVE_TYPES } from "./builtins.ts";
import { report, useSymbol, type CheckContext } from "./check-context.ts";
import { namesOfKind, type FileScope } from "./scope.ts";
import { didYouMean } from "./suggest.ts";
import { ERROR, list, optional, type FieldType, type Type } from "./types.ts";
import { constantValue } from "./constant.ts";

export function resolveType(ctx: CheckContext, scope: FileScope, te: A.TypeExpr): Type {
  switch (te.kind) {
    case "ListType":
      return list(resolveType(ctx, scope, te.element));
    case "OptionalType":
      return optional(resolveType(ctx, scope, te.inner));
    case "RecordType":
      return recordOf(ctx, scope, te, undefined);
    case "NamedType":
      return resolveTypeName(ctx, scope, te.name);
  }
}

function resolveTypeName(ctx: CheckContext, scope: FileScope, id: A.Identifier): Type {
  if (id.name === "") return ERROR; // a syntax error already said so
  const prim = PRIMITIVE_TYPES[id.name];
  if (prim !== undefined && Object.hasOwn(PRIMITIVE_TYPES, id.name)) return prim;
  const sym = scope.visible.get(id.name);
  if (sym === undefined || sym.kind !== "type") {
    const hint = didYouMean(id.name, namesOfKind(scope, ["type"]));
    const ambiguous = scope.ambiguous.get(id.name);
    report(ctx, "AIW0105", {
      message: ambiguous ? `'${id.name}' is ambiguous: it is imported from ${ambiguous.map((s) => `'${s.file.path}'`).join(" and ")}` : sym ? `'${id.name}' is ${sym.kind === "agent" ? "an" : "a"} ${sym.kind}, not a type` : `unknown type '${id.name}'`,
      span: id,
      label: sym ? `not a type` : "unknown type",
      ...(hint ? { help: hint } : { notes: ["the built-in types are string, number, boolean and json; write T[] for a list and T? for an optional value"] }),
    });
    return ERROR;
  }
  useSymbol(ctx, sym, id);
  return declaredType(ctx, sym.decl as A.TypeDecl, sym.file.absolutePath);
}

/** The type a `type` declaration stands for; recursion is reported and cut. */
export function declaredType(ctx: CheckContext, decl: A.TypeDecl, fileAbs: string): Type {
  const cached = ctx.typeCache.get(decl);
  if (cached !== undefined) return cached;
  if (ctx.typesInProgress.has(decl)) {
    report(ctx, "AIW0105", {
      message: `type '${decl.name.name}' refers to itself`,
      span: decl.name,
      label: "recursive type",
      help: "recursive types are not supported; use json for a field of unknown shape",
    });
    ctx.typeCache.set(decl, ERROR);
    return ERROR;
  }
  ctx.typesInProgress.add(decl);
  const scope = ctx.scopes.get(fileAbs)!;
  const t = decl.type.kind === "RecordType" ? recordOf(ctx, scope, decl.type, decl.name.name, decl) : resolveType(ctx, scope, decl.type);
  ctx.typesInProgress.delete(decl);
  if (!ctx.typeCache.has(decl)) ctx.typeCache.set(decl, t);
  return ctx.typeCache.get(decl)!;
}

function recordOf(ctx: CheckContext, scope: FileScope, te: A.RecordTypeExpr, name: string | undefined, origin?: A.TypeDecl): Type {
  const fields: FieldType[] = [];
  const seen = new Map<string, A.FieldDecl>();
  for (const f of te.fields) {
    if (f.name.name === "") continue;
    const prev = seen.get(f.name.name);
    if (prev !== undefined) {
      report(ctx, "AIW0102", {
        message: `field '${f.name.name}' is declared twice`,
        span: f.name,
        label: "second field with this name",
        secondary: [{ span: prev.name, message: "first declared here" }],
      });
      continue;
    }
    seen.set(f.name.name, f);
    const t = f.type ? resolveType(ctx, scope, f.type) : ERROR;
    const def = f.defaultValue !== undefined ? constantValue(ctx, f.defaultValue, t, "a field default") : undefined;
    fields.push({ name: f.name.name, type: t, hasDefault: f.defaultValue !== undefined, ...(def !== undefined ? { defaultValue: def } : {}) });
  }
  return { kind: "record", fields, ...(name !== undefined ? { name } : {}), ...(origin !== undefined ? { origin } : {}) };
}
