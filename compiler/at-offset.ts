// Where things are in one file's AST, for editor features: every name that
// defines something (with a path that survives edits elsewhere in the file),
// and the innermost expression at an offset. Read-only walks over the AST.

import type * as A from "./ast.ts";
import type { Span } from "./source.ts";

export type SiteKind = "type" | "model" | "tool" | "agent" | "guardrail" | "flow" | "task" | "template" | "input" | "parameter" | "variable" | "field" | "port";

/** A name that defines something: a declaration, task, input, parameter, loop variable, field or port. */
export interface DefinitionSite {
  readonly kind: SiteKind;
  readonly name: string;
  /** The span of the defining name. */
  readonly span: Span;
  /**
   * Names from the declaration down, e.g. ["triage", "task", "read"]: the same
   * thing in another version of the file has the same path.
   */
  readonly path: readonly string[];
  /** The whole construct (for folding, symbols, hover). */
  readonly fullSpan: Span;
  readonly doc?: string;
  readonly declaration: A.Declaration;
  readonly task?: A.TaskDecl;
  readonly param?: A.Param;
  readonly field?: A.FieldDecl;
  readonly port?: A.PortDecl;
}

const DECL_SITE_KIND: Readonly<Record<A.Declaration["kind"], SiteKind>> = {
  TypeDecl: "type",
  ModelDecl: "model",
  ToolDecl: "tool",
  AgentDecl: "agent",
  GuardrailDecl: "guardrail",
  FlowDecl: "flow",
};

/** Every definition site of a file, declarations first within each declaration. */
export function definitionSites(ast: A.FileAst): DefinitionSite[] {
  const out: DefinitionSite[] = [];
  for (const decl of ast.declarations) {
    const name = decl.name.name;
    if (name === "") continue;
    const base = { declaration: decl };
    out.push({ ...base, kind: DECL_SITE_KIND[decl.kind], name, span: decl.name, path: [name], fullSpan: decl, ...doc(decl.doc) });
    const params = decl.kind === "FlowDecl" || decl.kind === "ToolDecl" || decl.kind === "GuardrailDecl" ? decl.params : [];
    for (const p of params) {
      if (p.name.name === "") continue;
      out.push({ ...base, kind: decl.kind === "FlowDecl" ? "input" : "parameter", name: p.name.name, span: p.name, path: [name, "param", p.name.name], fullSpan: p, param: p, ...doc(p.doc) });
    }
    if (decl.kind === "TypeDecl" && decl.type.kind === "RecordType") {
      for (const f of decl.type.fields) {
        if (f.name.name === "") continue;
        out.push({ ...base, kind: "field", name: f.name.name, span: f.name, path: [name, "field", f.name.name], fullSpan: f, field: f, ...doc(f.doc) });
      }
    }
    if (decl.kind === "ModelDecl") {
      for (const p of decl.ports) {
        if (p.name.name === "") continue;
        out.push({ ...base, kind: "port", name: p.name.name, span: p.name, path: [name, "port", p.name.name], fullSpan: p, port: p });
      }
    }
    if (decl.kind === "FlowDecl") {
      for (const t of [...decl.tasks, ...decl.templates].sort((a, b) => a.start - b.start)) {
        if (t.name.name === "") continue;
        const kind = t.kind === "TemplateDecl" ? "template" : "task";
        out.push({ ...base, kind, name: t.name.name, span: t.name, path: [name, "task", t.name.name], fullSpan: t, task: t, ...doc(t.doc) });
        const v = t.forEach?.variable;
        if (v !== undefined && v.name !== "") {
          out.push({ ...base, kind: "variable", name: v.name, span: v, path: [name, "task", t.name.name, "for", v.name], fullSpan: v, task: t });
        }
      }
    }
  }
  return out;
}

function doc(d: string | undefined): { doc?: string } {
  return d !== undefined ? { doc: d } : {};
}

/** The definition site whose name contains the offset (its end included, where a cursor after the name sits). */
export function definitionAt(sites: readonly DefinitionSite[], offset: number): DefinitionSite | undefined {
  return sites.find((s) => s.span.start <= offset && offset <= s.span.end);
}

/** The definition site whose name starts where `span` starts. */
export function siteAtSpan(sites: readonly DefinitionSite[], span: Span): DefinitionSite | undefined {
  return sites.find((s) => s.span.start === span.start && s.span.end === span.end);
}

export function siteByPath(sites: readonly DefinitionSite[], path: readonly string[]): DefinitionSite | undefined {
  return sites.find((s) => s.path.length === path.length && s.path.every((p, i) => p === path[i]));
}

/** The top-level declaration whose span holds the offset. */
export function declarationAt(ast: A.FileAst, offset: number): A.Declaration | undefined {
  return ast.declarations.find((d) => d.start <= offset && offset <= d.end);
}

/** The innermost expression whose span contains the offset, with the expressions around it (outermost first). */
export function expressionAt(ast: A.FileAst, offset: number): { expr: A.Expr; ancestors: readonly A.Expr[] } | undefined {
  const decl = declarationAt(ast, offset);
  if (decl === undefined) return undefined;
  for (const root of rootExpressions(decl)) {
    if (!contains(root, offset)) continue;
    const ancestors: A.Expr[] = [];
    let cur: A.Expr = root;
    for (;;) {
      const inner = childExpressions(cur).find((c) => contains(c, offset));
      if (inner === undefined) return { expr: cur, ancestors };
      ancestors.push(cur);
      cur = inner;
    }
  }
  return undefined;
}

function contains(s: Span, offset: number): boolean {
  return s.start <= offset && offset <= s.end;
}

/** The expressions written directly in a declaration (property values, defaults, conditions...). */
export function rootExpressions(decl: A.Declaration): A.Expr[] {
  const out: A.Expr[] = [];
  const props = (ps: readonly A.Property[]) => {
    for (const p of ps) {
      if (p.value) out.push(p.value);
      if (p.message) out.push(p.message);
    }
  };
  const params = (ps: readonly A.Param[]) => {
    for (const p of ps) if (p.defaultValue) out.push(p.defaultValue);
  };
  switch (decl.kind) {
    case "TypeDecl":
      if (decl.type.kind === "RecordType") for (const f of decl.type.fields) if (f.defaultValue) out.push(f.defaultValue);
      break;
    case "ModelDecl":
    case "AgentDecl":
      props(decl.properties);
      break;
    case "ToolDecl":
      params(decl.params);
      props(decl.properties);
      break;
    case "GuardrailDecl":
      params(decl.params);
      if (decl.condition) out.push(decl.condition);
      if (decl.message) out.push(decl.message);
      break;
    case "FlowDecl":
      params(decl.params);
      props(decl.properties);
      for (const t of [...decl.tasks, ...decl.templates]) {
        if (t.when) out.push(t.when);
        if (t.forEach?.iterable) out.push(t.forEach.iterable);
        props(t.properties);
      }
      if (decl.returnValue) out.push(decl.returnValue);
      break;
  }
  return out;
}

export function childExpressions(e: A.Expr): A.Expr[] {
  switch (e.kind) {
    case "String":
      return e.parts.filter((p): p is A.Expr => typeof p !== "string");
    case "Paren":
      return [e.inner];
    case "Field":
      return [e.object];
    case "Index":
      return [e.object, e.index];
    case "Call":
      return [e.callee, ...e.args.map((a) => a.value)];
    case "Unary":
      return [e.operand];
    case "Binary":
      return [e.left, e.right];
    case "List":
      return [...e.items];
    case "Record":
      return e.fields.map((f) => f.value);
    default:
      return [];
  }
}

/** The task (or template) of a flow whose span holds the offset. */
export function taskAt(flow: A.FlowDecl, offset: number): A.TaskDecl | undefined {
  return [...flow.tasks, ...flow.templates].find((t) => t.start <= offset && offset <= t.end);
}
