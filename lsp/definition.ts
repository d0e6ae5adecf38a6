// textDocument/definition: from a use to the name that defines it, across
// files. The target is found again in the defining file's current analysis
// (by its path of names), so edits there since this file was checked do not
// send the cursor to an old offset.

import type { Location } from "vscode-languageserver";
import { siteByPath } from "../compiler/at-offset.ts";
import type { Analysis } from "./analysis.ts";
import { location } from "./positions.ts";
import { symbolAt, type Target } from "./symbol-at.ts";
import type { Workspace } from "./workspace.ts";

export async function definition(ws: Workspace, a: Analysis, offset: number): Promise<Location | null> {
  const sym = symbolAt(a, offset);
  if (sym === undefined || sym.target.kind !== "site") return null;
  return currentLocation(ws, sym.target);
}

/** Where a target is now: in the current analysis of its file. */
export async function currentLocation(ws: Workspace, target: Target & { kind: "site" }): Promise<Location | null> {
  const abs = target.file.absolutePath;
  const current = await ws.analysisOf(abs);
  const site = current ? siteByPath(current.sites, target.site.path) : undefined;
  const source = ws.source(abs);
  if (source === undefined) return null;
  return location(ws.uriOf(abs), source, (site ?? target.site).span);
}
