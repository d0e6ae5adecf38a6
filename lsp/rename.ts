// textDocument/prepareRename and textDocument/rename: every occurrence of a
// declaration, task, input, parameter or loop variable, across files (import
// lists included). Refused with a message: built-ins, fields and ports (their
// uses are not tracked), names that are not names or are keywords, and names
// that would clash with one already visible where the thing is used.

import { ResponseError, type Range, type TextEdit, type WorkspaceEdit } from "vscode-languageserver";
import { siteByPath, type DefinitionSite } from "../compiler/at-offset.ts";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS, PRIMITIVE_TYPES } from "../compiler/builtins.ts";
import type * as A from "../compiler/ast.ts";
import type { SourceFile } from "../compiler/source.ts";
import { keywordTokens } from "../grammar/tokens.ts";
import type { Analysis } from "./analysis.ts";
import { spanRange } from "./positions.ts";
import { occurrences } from "./references.ts";
import { symbolAt, type SymbolAt } from "./symbol-at.ts";
import type { Workspace } from "./workspace.ts";

/** LSP's RequestFailed: the request was valid but cannot be carried out. */
const REQUEST_FAILED = -32803;

const KEYWORDS = new Set(keywordTokens.map((t) => t.name.toLowerCase()));

function refuse(message: string): never {
  throw new ResponseError(REQUEST_FAILED, message);
}

function renameable(a: Analysis, offset: number): SymbolAt & { target: { kind: "site" } } {
  const sym = symbolAt(a, offset);
  if (sym === undefined) refuse("nothing to rename here: put the cursor on a name");
  if (sym.target.kind === "builtin") refuse(`'${sym.target.name}' is a built-in ${sym.target.what} and cannot be renamed`);
  const kind = sym.target.site.kind;
  if (kind === "field" || kind === "port") refuse(`renaming a ${kind} is not supported yet: its uses are not tracked`);
  return sym as SymbolAt & { target: { kind: "site" } };
}

export function prepareRename(a: Analysis, source: SourceFile, offset: number): { range: Range; placeholder: string } {
  const sym = renameable(a, offset);
  return { range: spanRange(source, sym.span), placeholder: sym.target.site.name };
}

export async function rename(ws: Workspace, a: Analysis, offset: number, newName: string): Promise<WorkspaceEdit> {
  const sym = renameable(a, offset);
  const site = sym.target.site;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) refuse(`'${newName}' is not a name: use letters, digits and '_', not starting with a digit`);
  if (KEYWORDS.has(newName)) refuse(`'${newName}' is a keyword`);
  if (newName === site.name) return { changes: {} };
  const abs = sym.target.file.absolutePath;
  const home = await ws.analysisOf(abs);
  const current = home ? siteByPath(home.sites, site.path) : undefined;
  if (home === undefined || current === undefined) refuse(`'${site.name}' is no longer declared`);
  checkClash(home, current, newName);
  if (current.path.length === 1) for (const imp of await importersUsing(ws, abs, site.name)) checkClashInScope(imp, newName, `it is imported in '${imp.file.path}'`);
  const found = await occurrences(ws, sym.target);
  const changes: Record<string, TextEdit[]> = {};
  for (const o of found) {
    const source = ws.source(o.abs);
    if (source === undefined) continue;
    (changes[ws.uriOf(o.abs)] ??= []).push({ range: spanRange(source, o.span), newText: newName });
  }
  return { changes };
}

/** The analyses of files that import the declaration `name` of `abs`. */
async function importersUsing(ws: Workspace, abs: string, name: string): Promise<Analysis[]> {
  const all = await ws.allAnalyses();
  return all.filter((a) => a.root !== abs && a.file.imports.some((i) => i.target === abs && (i.decl.names === undefined || i.decl.names.some((n) => n.name === name))));
}

function checkClashInScope(a: Analysis, newName: string, why: string): void {
  const scope = a.checked.scopes.get(a.root);
  const existing = scope?.visible.get(newName);
  if (existing !== undefined) refuse(`'${newName}' is already a ${existing.kind} in '${a.file.path}', where ${why}`);
}

function checkClash(home: Analysis, site: DefinitionSite, newName: string): void {
  const d = site.declaration;
  switch (site.kind) {
    case "type":
    case "model":
    case "tool":
    case "agent":
    case "guardrail":
    case "flow": {
      checkClashInScope(home, newName, "it is declared");
      if (home.checked.scopes.get(home.root)?.ambiguous.has(newName)) refuse(`'${newName}' is already imported into '${home.file.path}'`);
      if (site.kind === "tool" && (BUILTIN_TOOLS.has(newName) || BUILTIN_FUNCTIONS.has(newName))) refuse(`'${newName}' is a built-in ${BUILTIN_TOOLS.has(newName) ? "tool" : "function"}`);
      if (site.kind === "type" && Object.hasOwn(PRIMITIVE_TYPES, newName)) refuse(`'${newName}' is a built-in type`);
      return;
    }
    case "task":
    case "template":
    case "input":
    case "variable": {
      const flow = d as A.FlowDecl;
      const taken = [...flow.params.map((p) => p.name.name), ...flow.tasks.map((t) => t.name.name), ...flow.templates.map((t) => t.name.name)];
      if (taken.includes(newName)) refuse(`flow '${flow.name.name}' already has an input, task or template named '${newName}'`);
      if (site.kind !== "variable" && [...flow.tasks, ...flow.templates].some((t) => t.forEach?.variable.name === newName)) refuse(`'${newName}' names a loop variable in flow '${flow.name.name}'`);
      return;
    }
    case "parameter": {
      const params = d.kind === "ToolDecl" || d.kind === "GuardrailDecl" ? d.params : [];
      if (params.some((p) => p.name.name === newName)) refuse(`'${d.name.name}' already has a parameter named '${newName}'`);
      return;
    }
    default:
      return;
  }
}
