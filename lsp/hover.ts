// textDocument/hover: the signature, type and doc comment of what the cursor
// is on: a declaration or a use of one, a task (its output type), an input,
// a parameter, a loop variable, a field of a value, or a property name.

import { MarkupKind, type Hover } from "vscode-languageserver";
import { expressionAt } from "../compiler/at-offset.ts";
import type { SourceFile } from "../compiler/source.ts";
import type { Analysis } from "./analysis.ts";
import { describeField, describeTarget } from "./describe.ts";
import { exprType, flowAt } from "./expr-types.ts";
import { spanRange } from "./positions.ts";
import { PROPERTY_DOCS } from "./property-docs.ts";
import { symbolAt } from "./symbol-at.ts";

export function hover(a: Analysis, source: SourceFile, offset: number): Hover | null {
  const sym = symbolAt(a, offset);
  if (sym !== undefined) return { contents: { kind: MarkupKind.Markdown, value: describeTarget(a, sym.target) }, range: spanRange(source, sym.span) };
  const found = expressionAt(a.file.parsed.ast, offset);
  if (found?.expr.kind === "Field" && found.expr.field.start <= offset && offset <= found.expr.field.end) {
    const where = flowAt(a, offset);
    const key = propertyKeyAround(a, offset);
    const t = where ? exprType(where.flow, where.task, found.expr, key === "guard" || key === "inject") : undefined;
    if (t !== undefined) return { contents: { kind: MarkupKind.Markdown, value: describeField(found.expr.field.name, t) }, range: spanRange(source, found.expr.field) };
  }
  const prop = propertyKeyAt(a, offset);
  if (prop !== undefined) {
    const text = PROPERTY_DOCS[prop.block]?.[prop.key];
    if (text !== undefined) return { contents: { kind: MarkupKind.Markdown, value: `**${prop.key}** (${prop.block} property)\n\n${text}` }, range: spanRange(source, prop.span) };
  }
  return null;
}

type Block = "flow" | "task" | "agent" | "tool" | "model";

function blocksOf(a: Analysis): { block: Block; properties: readonly import("../compiler/ast.ts").Property[] }[] {
  const out: { block: Block; properties: readonly import("../compiler/ast.ts").Property[] }[] = [];
  for (const d of a.file.parsed.ast.declarations) {
    if (d.kind === "FlowDecl") {
      out.push({ block: "flow", properties: d.properties });
      for (const t of [...d.tasks, ...d.templates]) out.push({ block: "task", properties: t.properties });
    } else if (d.kind === "AgentDecl") out.push({ block: "agent", properties: d.properties });
    else if (d.kind === "ToolDecl") out.push({ block: "tool", properties: d.properties });
    else if (d.kind === "ModelDecl") out.push({ block: "model", properties: d.properties });
  }
  return out;
}

function propertyKeyAt(a: Analysis, offset: number): { block: Block; key: string; span: import("../compiler/source.ts").Span } | undefined {
  for (const { block, properties } of blocksOf(a)) {
    for (const p of properties) if (p.key.start <= offset && offset <= p.key.end) return { block, key: p.key.name, span: p.key };
  }
  return undefined;
}

function propertyKeyAround(a: Analysis, offset: number): string | undefined {
  for (const { properties } of blocksOf(a)) for (const p of properties) if (p.start <= offset && offset <= p.end) return p.key.name;
  return undefined;
}
