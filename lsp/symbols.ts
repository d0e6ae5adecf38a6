// textDocument/documentSymbol (declarations with their inputs, tasks,
// parameters, fields and ports) and workspace/symbol (declarations and tasks
// of every file, matched by the letters of the query in order).

import { SymbolKind, type DocumentSymbol, type SymbolInformation } from "vscode-languageserver";
import type { DefinitionSite, SiteKind } from "../compiler/at-offset.ts";
import type { SourceFile } from "../compiler/source.ts";
import type { Analysis } from "./analysis.ts";
import { location, spanRange } from "./positions.ts";
import type { Workspace } from "./workspace.ts";

const KIND: Readonly<Record<SiteKind, SymbolKind>> = {
  type: SymbolKind.Struct,
  model: SymbolKind.Module,
  tool: SymbolKind.Function,
  agent: SymbolKind.Class,
  guardrail: SymbolKind.Method,
  flow: SymbolKind.Namespace,
  task: SymbolKind.Event,
  template: SymbolKind.Event,
  input: SymbolKind.Variable,
  parameter: SymbolKind.Variable,
  variable: SymbolKind.Variable,
  field: SymbolKind.Field,
  port: SymbolKind.Property,
};

export function documentSymbols(a: Analysis, source: SourceFile): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  const bySite = new Map<DefinitionSite, DocumentSymbol>();
  for (const site of a.sites) {
    const full = site.fullSpan.end >= site.span.end ? site.fullSpan : site.span;
    const sym: DocumentSymbol = { name: site.name, detail: site.kind, kind: KIND[site.kind], range: spanRange(source, { ...full, start: Math.min(full.start, site.span.start) }), selectionRange: spanRange(source, site.span), children: [] };
    bySite.set(site, sym);
    if (site.path.length === 1) {
      out.push(sym);
      continue;
    }
    // The parent is the site one step up: the declaration, or the task of a loop variable.
    const parentPath = site.kind === "variable" ? site.path.slice(0, 3) : site.path.slice(0, 1);
    const parent = [...bySite.entries()].reverse().find(([s]) => s.path.length === parentPath.length && s.path.every((p, i) => p === parentPath[i]))?.[1];
    (parent?.children ?? out).push(sym);
  }
  return out;
}

function matches(query: string, name: string): boolean {
  if (query === "") return true;
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (const c of n) if (c === q[i]) i++;
  return i === q.length;
}

export async function workspaceSymbols(ws: Workspace, query: string): Promise<SymbolInformation[]> {
  const out: SymbolInformation[] = [];
  for (const a of await ws.allAnalyses()) {
    const source = ws.source(a.root);
    if (source === undefined) continue;
    for (const site of a.sites) {
      if (site.path.length !== 1 && site.kind !== "task" && site.kind !== "template") continue;
      if (!matches(query, site.name)) continue;
      out.push({ name: site.name, kind: KIND[site.kind], location: location(ws.uriOf(a.root), source, site.span), ...(site.path.length > 1 ? { containerName: site.path[0]! } : {}) });
    }
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}
