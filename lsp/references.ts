// textDocument/references: every use of what the cursor is on, in every file
// of the workspace (each file's own analysis gives the uses inside it), and
// the definition itself when asked for.

import type { Location } from "vscode-languageserver";
import { siteByPath } from "../compiler/at-offset.ts";
import type { Span } from "../compiler/source.ts";
import type { Analysis } from "./analysis.ts";
import { spanRange } from "./positions.ts";
import { builtinUsesInRoot, symbolAt, usesInRoot, type Target } from "./symbol-at.ts";
import type { Workspace } from "./workspace.ts";

export interface Occurrence {
  readonly abs: string;
  readonly span: Span;
  readonly isDefinition: boolean;
}

/** Every occurrence of a target across the workspace, definition first. */
export async function occurrences(ws: Workspace, target: Target): Promise<Occurrence[]> {
  const all = await ws.allAnalyses();
  const out: Occurrence[] = [];
  if (target.kind === "builtin") {
    for (const a of all) for (const span of builtinUsesInRoot(a, target.name)) out.push({ abs: a.root, span, isDefinition: false });
    return out;
  }
  const abs = target.file.absolutePath;
  const path = target.site.path;
  const home = all.find((a) => a.root === abs) ?? (await ws.analysisOf(abs));
  const site = home ? siteByPath(home.sites, path) : undefined;
  if (site !== undefined) out.push({ abs, span: site.span, isDefinition: true });
  for (const a of all) for (const span of usesInRoot(a, abs, path)) out.push({ abs: a.root, span, isDefinition: false });
  const seen = new Set<string>();
  return out.filter((o) => {
    const k = `${o.abs}:${o.span.start}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export async function references(ws: Workspace, a: Analysis, offset: number, includeDeclaration: boolean): Promise<Location[]> {
  const sym = symbolAt(a, offset);
  if (sym === undefined) return [];
  const found = await occurrences(ws, sym.target);
  const out: Location[] = [];
  for (const o of found) {
    if (o.isDefinition && !includeDeclaration) continue;
    const source = ws.source(o.abs);
    if (source !== undefined) out.push({ uri: ws.uriOf(o.abs), range: spanRange(source, o.span) });
  }
  return out;
}
