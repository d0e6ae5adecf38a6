// Name resolution at the top level: each file's scope holds its own
// declarations and those it imports. Duplicates and clashing imports are
// reported here; lookups of names that two whole-file imports both provide
// are reported where they are used.

import type * as A from "./ast.ts";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS, PRIMITIVE_TYPES } from "./builtins.ts";
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import type { Program, ProgramFile } from "./program.ts";
import type { Span } from "./source.ts";
import { didYouMean } from "./suggest.ts";

export type DeclKind = "type" | "model" | "tool" | "agent" | "guardrail" | "flow";

export interface DeclSymbol {
  readonly kind: DeclKind;
  readonly name: string;
  readonly decl: A.Declaration;
  readonly file: ProgramFile;
}

export interface FileScope {
  readonly file: ProgramFile;
  /** Declarations written in this file (the first of duplicates). */
  readonly own: ReadonlyMap<string, DeclSymbol>;
  /** Own declarations and imported ones. */
  readonly visible: ReadonlyMap<string, DeclSymbol>;
  /** Names two whole-file imports both bring in: an error where used. */
  readonly ambiguous: ReadonlyMap<string, readonly DeclSymbol[]>;
}

export const DECL_KIND: Readonly<Record<A.Declaration["kind"], DeclKind>> = {
  TypeDecl: "type",
  ModelDecl: "model",
  ToolDecl: "tool",
  AgentDecl: "agent",
  GuardrailDecl: "guardrail",
  FlowDecl: "flow",
};

export function describeKind(kind: DeclKind): string {
  return kind === "agent" ? "an agent" : `a ${kind}`;
}

export function buildScopes(program: Program): { scopes: Map<string, FileScope>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const owns = new Map<string, Map<string, DeclSymbol>>();
  for (const file of program.files.values()) owns.set(file.absolutePath, ownDeclarations(file, diagnostics));

  const scopes = new Map<string, FileScope>();
  for (const file of program.files.values()) {
    const own = owns.get(file.absolutePath)!;
    const visible = new Map(own);
    const fromGlob = new Map<string, DeclSymbol>();
    const ambiguous = new Map<string, DeclSymbol[]>();
    // Names imported by name win over names a whole-file import brings in,
    // whatever the order of the imports (as Rust's explicit imports shadow globs).
    const ordered = [...file.imports.filter((i) => i.decl.names !== undefined), ...file.imports.filter((i) => i.decl.names === undefined)];
    const explicit = new Set<string>();
    for (const imp of ordered) {
      const targetOwn = imp.target !== undefined ? owns.get(imp.target) : undefined;
      if (targetOwn === undefined) continue; // reported by loadProgram
      if (imp.decl.names !== undefined) {
        for (const id of imp.decl.names) {
          const sym = targetOwn.get(id.name);
          if (sym === undefined) {
            const hint = didYouMean(id.name, targetOwn.keys());
            diagnostics.push(
              diagnostic("AIW0101", {
                message: `'${imp.decl.path}' declares no '${id.name}'`,
                span: id,
                label: "not declared in that file",
                ...(hint ? { help: hint } : { notes: [`it declares: ${[...targetOwn.keys()].sort().join(", ") || "nothing"}`] }),
              }),
            );
            continue;
          }
          addImported(visible, own, sym, id, diagnostics);
          explicit.add(id.name);
        }
      } else {
        for (const sym of targetOwn.values()) {
          if (explicit.has(sym.name)) continue;
          if (own.has(sym.name)) {
            clash(own.get(sym.name)!, sym, imp.decl.pathSpan, diagnostics);
            continue;
          }
          const prev = fromGlob.get(sym.name);
          if (prev !== undefined && prev !== sym) {
            ambiguous.set(sym.name, [...(ambiguous.get(sym.name) ?? [prev]), sym]);
            continue;
          }
          if (!visible.has(sym.name)) {
            visible.set(sym.name, sym);
            fromGlob.set(sym.name, sym);
          }
        }
      }
    }
    for (const name of ambiguous.keys()) visible.delete(name);
    scopes.set(file.absolutePath, { file, own, visible, ambiguous });
  }
  return { scopes, diagnostics };
}

function ownDeclarations(file: ProgramFile, diagnostics: Diagnostic[]): Map<string, DeclSymbol> {
  const own = new Map<string, DeclSymbol>();
  for (const decl of file.parsed.ast.declarations) {
    const name = decl.name.name;
    if (name === "") continue;
    const kind = DECL_KIND[decl.kind];
    const prev = own.get(name);
    if (prev !== undefined) {
      diagnostics.push(
        diagnostic("AIW0102", {
          message: `'${name}' is declared twice in this file`,
          span: decl.name,
          label: `this ${kind} has the name of an earlier ${prev.kind}`,
          secondary: [{ span: prev.decl.name, message: "first declared here" }],
          help: "rename one of them",
        }),
      );
      continue;
    }
    if (kind === "tool" && (BUILTIN_FUNCTIONS.has(name) || BUILTIN_TOOLS.has(name))) {
      diagnostics.push(
        diagnostic("AIW0102", {
          message: `'${name}' is a built-in ${BUILTIN_FUNCTIONS.has(name) ? "function" : "tool"}: a tool cannot have its name`,
          span: decl.name,
          label: "name taken by a built-in",
          help: "choose another name for the tool",
        }),
      );
      continue;
    }
    if (kind === "type" && Object.hasOwn(PRIMITIVE_TYPES, name)) {
      diagnostics.push(diagnostic("AIW0102", { message: `'${name}' is a built-in type and cannot be redeclared`, span: decl.name, label: "built-in type name", help: "choose another name" }));
      continue;
    }
    own.set(name, { kind, name, decl, file });
  }
  return own;
}

function addImported(visible: Map<string, DeclSymbol>, own: ReadonlyMap<string, DeclSymbol>, sym: DeclSymbol, at: Span, diagnostics: Diagnostic[]): void {
  const existing = visible.get(sym.name);
  if (existing === undefined || existing === sym) {
    visible.set(sym.name, sym);
    return;
  }
  if (own.has(sym.name)) clash(own.get(sym.name)!, sym, at, diagnostics);
  else {
    diagnostics.push(
      diagnostic("AIW0102", {
        message: `'${sym.name}' is imported twice, from '${existing.file.path}' and '${sym.file.path}'`,
        span: at,
        label: "second import of this name",
        help: "import it from one file only",
      }),
    );
  }
}

function clash(own: DeclSymbol, imported: DeclSymbol, at: Span, diagnostics: Diagnostic[]): void {
  diagnostics.push(
    diagnostic("AIW0102", {
      message: `'${own.name}' is declared in this file and also imported from '${imported.file.path}'`,
      span: at,
      label: `this import brings in another '${own.name}'`,
      secondary: [{ span: own.decl.name, message: "declared here too" }],
      help: `rename one of them, or import only the names you need: import { ... } from "${imported.file.path}"`,
    }),
  );
}

/** Every name a file can use for a kind, for suggestions. */
export function namesOfKind(scope: FileScope, kinds: readonly DeclKind[]): string[] {
  const out: string[] = [];
  for (const [name, sym] of scope.visible) if (kinds.includes(sym.kind)) out.push(name);
  if (kinds.includes("tool")) out.push(...BUILTIN_TOOLS.keys());
  if (kinds.includes("type")) out.push(...Object.keys(PRIMITIVE_TYPES));
  return out;
}
