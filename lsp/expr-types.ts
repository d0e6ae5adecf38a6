// Types of the names and `a.b[0].c` chains an editor asks about, read from
// the checker's results (task output types, inputs, resolved declared types).
// The checker keeps no type per expression; these chains are all completion
// after `.`, hover on a field and loop variables need.

import type * as A from "../compiler/ast.ts";
import { PRIMITIVE_TYPES } from "../compiler/builtins.ts";
import type { FlowInfo, TaskInfo } from "../compiler/check-flow.ts";
import type { FileScope } from "../compiler/scope.ts";
import { ERROR, JSON_TYPE, list, nonNull, optional, type Type } from "../compiler/types.ts";
import type { Analysis } from "./analysis.ts";

export type ChainStep = { readonly kind: "field"; readonly name: string } | { readonly kind: "index" };

/** The flow of the root file at an offset, and the task there (if any). */
export function flowAt(a: Analysis, offset: number): { flow: FlowInfo; task: TaskInfo | undefined } | undefined {
  const decls = a.file.parsed.ast.declarations;
  let decl: A.FlowDecl | undefined;
  for (let i = 0; i < decls.length; i++) {
    const d = decls[i]!;
    const next = decls[i + 1];
    if (d.start <= offset && (next === undefined || offset < next.start)) {
      if (d.kind === "FlowDecl") decl = d;
      break;
    }
  }
  if (decl === undefined) return undefined;
  const flow = a.checked.flows.find((f) => f.info.decl === decl)?.info;
  if (flow === undefined) return undefined;
  let task: TaskInfo | undefined;
  for (const t of flow.tasks.values()) if (t.decl.start <= offset && (task === undefined || t.decl.start > task.decl.start)) task = t;
  return { flow, task };
}

/** The type of a name read inside `task` (or at flow level); `selfItem` in guards and inject, where a task reads its own output. */
export function nameType(flow: FlowInfo, task: TaskInfo | undefined, name: string, selfItem: boolean): Type | undefined {
  const loopVar = task?.decl.forEach?.variable;
  if (task !== undefined && loopVar?.name === name) return loopVariableType(flow, task);
  const t = flow.tasks.get(name);
  if (t !== undefined) return selfItem && t === task ? t.itemType : t.valueType;
  return flow.inputs.find((p) => p.name === name)?.type;
}

export function loopVariableType(flow: FlowInfo, task: TaskInfo): Type {
  const iterable = task.decl.forEach?.iterable;
  const t = iterable ? exprType(flow, undefined, iterable, false) : undefined;
  const base = t ? nonNull(t) : ERROR;
  return base.kind === "list" ? base.element : base.kind === "json" ? JSON_TYPE : ERROR;
}

export function chainType(start: Type | undefined, steps: readonly ChainStep[]): Type | undefined {
  let t = start;
  for (const s of steps) {
    if (t === undefined) return undefined;
    const opt = t.kind === "optional";
    const base = nonNull(t);
    if (base.kind === "json" || base.kind === "error") return base;
    if (s.kind === "index") {
      t = base.kind === "list" ? base.element : base.kind === "string" ? base : undefined;
      continue;
    }
    if (base.kind !== "record") return undefined;
    const f = base.fields.find((x) => x.name === s.name)?.type;
    t = f !== undefined && opt ? optional(f) : f;
  }
  return t;
}

/** The type of a name, field or index chain; undefined for other expressions. */
export function exprType(flow: FlowInfo, task: TaskInfo | undefined, e: A.Expr, selfItem: boolean): Type | undefined {
  const steps: ChainStep[] = [];
  let cur = e;
  for (;;) {
    if (cur.kind === "Field") {
      steps.unshift({ kind: "field", name: cur.field.name });
      cur = cur.object;
    } else if (cur.kind === "Index") {
      steps.unshift({ kind: "index" });
      cur = cur.object;
    } else if (cur.kind === "Paren") cur = cur.inner;
    else break;
  }
  if (cur.kind !== "Name") return undefined;
  return chainType(nameType(flow, task, cur.name, selfItem), steps);
}

/** A written type, resolved with the checker's cache of declared types. */
export function typeOfTypeExpr(a: Analysis, scope: FileScope | undefined, te: A.TypeExpr): Type {
  switch (te.kind) {
    case "ListType":
      return list(typeOfTypeExpr(a, scope, te.element));
    case "OptionalType":
      return optional(typeOfTypeExpr(a, scope, te.inner));
    case "RecordType":
      return { kind: "record", fields: te.fields.map((f) => ({ name: f.name.name, type: f.type ? typeOfTypeExpr(a, scope, f.type) : ERROR, hasDefault: f.defaultValue !== undefined })) };
    case "NamedType": {
      if (Object.hasOwn(PRIMITIVE_TYPES, te.name.name)) return PRIMITIVE_TYPES[te.name.name]!;
      const sym = scope?.visible.get(te.name.name);
      if (sym?.kind !== "type") return ERROR;
      return a.checked.typeCache.get(sym.decl as A.TypeDecl) ?? ERROR;
    }
  }
}
