// What name is under the cursor and what it stands for, from the checker's
// references (use -> definition) and the file's definition sites. Shared by
// hover, definition, references, rename and semantic tokens.

import type * as A from "../compiler/ast.ts";
import { definitionSites, siteAtSpan, type DefinitionSite } from "../compiler/at-offset.ts";
import { BUILTIN_FUNCTIONS } from "../compiler/builtins.ts";
import type { Reference } from "../compiler/check-context.ts";
import type { ProgramFile } from "../compiler/program.ts";
import type { Span } from "../compiler/source.ts";
import type { Analysis } from "./analysis.ts";

export type Target =
  | { readonly kind: "site"; readonly file: ProgramFile; readonly site: DefinitionSite }
  | { readonly kind: "builtin"; readonly what: "tool" | "function"; readonly name: string };

export interface SymbolAt {
  /** The name under the cursor (a use or the definition itself). */
  readonly span: Span;
  readonly target: Target;
  readonly isDefinition: boolean;
}

const sitesByFile = new WeakMap<ProgramFile, DefinitionSite[]>();

/** Definition sites of a file of some analysis (cached per parsed file). */
export function sitesOf(file: ProgramFile): DefinitionSite[] {
  let s = sitesByFile.get(file);
  if (s === undefined) sitesByFile.set(file, (s = definitionSites(file.parsed.ast)));
  return s;
}

const rootRefs = new WeakMap<Analysis, Reference[]>();

/** The references located in the analysis's root file, in source order. */
export function referencesInRoot(a: Analysis): Reference[] {
  let refs = rootRefs.get(a);
  if (refs === undefined) {
    const file = a.file.path;
    const all = a.checked.references;
    if (all === undefined) throw new Error("the analysis was checked without collecting references");
    refs = all.filter((r) => r.span.file === file).sort((x, y) => x.span.start - y.span.start);
    rootRefs.set(a, refs);
  }
  return refs;
}

/** What a reference points at, within the analysis's program. */
export function resolveReference(a: Analysis, ref: Reference, useName: string): Target | undefined {
  const defFile = a.program.byDisplayPath.get(ref.definition.file);
  if (ref.definition.start === ref.span.start && ref.definition.end === ref.span.end && ref.definition.file === ref.span.file && ref.kind === "tool") {
    const site = defFile ? siteAtSpan(sitesOf(defFile), ref.definition) : undefined;
    if (site === undefined) return { kind: "builtin", what: BUILTIN_FUNCTIONS.has(useName) ? "function" : "tool", name: useName };
  }
  if (defFile === undefined) return undefined;
  const site = siteAtSpan(sitesOf(defFile), ref.definition);
  return site ? { kind: "site", file: defFile, site } : undefined;
}

export function symbolAt(a: Analysis, offset: number): SymbolAt | undefined {
  const text = a.file.source.text;
  let best: Reference | undefined;
  for (const r of referencesInRoot(a)) {
    if (r.span.start > offset) break;
    if (offset <= r.span.end && (best === undefined || r.span.end - r.span.start <= best.span.end - best.span.start)) best = r;
  }
  if (best !== undefined) {
    const target = resolveReference(a, best, text.slice(best.span.start, best.span.end));
    if (target !== undefined) return { span: best.span, target, isDefinition: false };
  }
  const own = a.sites.find((s) => s.span.start <= offset && offset <= s.span.end);
  if (own !== undefined) return { span: own.span, target: { kind: "site", file: a.file, site: own }, isDefinition: true };
  const imported = importedNameAt(a, offset);
  if (imported !== undefined) return { span: imported.id, target: imported.target, isDefinition: false };
  return undefined;
}

/** `import { name }`: the name and the declaration it imports. */
export function importedNameAt(a: Analysis, offset: number): { id: A.Identifier; target: Target } | undefined {
  for (const imp of a.file.imports) {
    for (const id of imp.decl.names ?? []) {
      if (id.start > offset || offset > id.end) continue;
      const file = imp.target !== undefined ? a.program.files.get(imp.target) : undefined;
      const site = file ? sitesOf(file).find((s) => s.path.length === 1 && s.name === id.name) : undefined;
      return file && site ? { id, target: { kind: "site", file, site } } : undefined;
    }
  }
  return undefined;
}

/** Every use in the analysis's root file of the site at `path` in file `abs` (import names included). */
export function usesInRoot(a: Analysis, abs: string, path: readonly string[]): Span[] {
  const out: Span[] = [];
  const text = a.file.source.text;
  for (const r of referencesInRoot(a)) {
    const t = resolveReference(a, r, text.slice(r.span.start, r.span.end));
    if (t?.kind === "site" && t.file.absolutePath === abs && samePath(t.site.path, path)) out.push(r.span);
  }
  if (path.length === 1) {
    for (const imp of a.file.imports) {
      if (imp.target !== abs) continue;
      for (const id of imp.decl.names ?? []) if (id.name === path[0]) out.push(id);
    }
  }
  return out;
}

/** Every use in the root file of a built-in tool or function. */
export function builtinUsesInRoot(a: Analysis, name: string): Span[] {
  const text = a.file.source.text;
  return referencesInRoot(a)
    .filter((r) => r.kind === "tool" && text.slice(r.span.start, r.span.end) === name)
    .filter((r) => resolveReference(a, r, name)?.kind === "builtin")
    .map((r) => r.span);
}

export function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
