// The checker: resolves names, checks every declaration of every file in the
// program (each once), analyses each flow's dependency graph and reports
// unused declarations. Its result is what lowering and the LSP read.

import type * as A from "./ast.ts";
import type { CheckContext, Reference, ToolSignature } from "./check-context.ts";
import { report } from "./check-context.ts";
import { checkAgent, checkGuardrail, checkModel, checkTool, checkTypeDecl, type AgentInfo } from "./check-decls.ts";
import { checkFlow, type FlowInfo } from "./check-flow.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { analyzeGraph } from "./graph.ts";
import type { Program } from "./program.ts";
import { buildScopes, type DeclSymbol, type FileScope } from "./scope.ts";
import type { Type } from "./types.ts";

export interface CheckedProgram {
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly scopes: ReadonlyMap<string, FileScope>;
  /** Every flow of every file, in file then source order. */
  readonly flows: readonly { readonly symbol: DeclSymbol; readonly info: FlowInfo }[];
  readonly agents: ReadonlyMap<A.AgentDecl, AgentInfo>;
  /** Every use of a name and its definition; only when checkProgram was asked for them (the LSP). */
  readonly references: readonly Reference[] | undefined;
  readonly typeCache: ReadonlyMap<A.TypeDecl, Type>;
  readonly toolSignatures: ReadonlyMap<A.ToolDecl, ToolSignature>;
}

export interface CheckOptions {
  /** Collect `references` (definition, references, rename, semantic tokens); off for `aiwc check`, which never reads them. */
  readonly references?: boolean;
}

export function checkProgram(program: Program, options: CheckOptions = {}): CheckedProgram {
  const { scopes, diagnostics: scopeDiagnostics } = buildScopes(program);
  const ctx: CheckContext = {
    program,
    scopes,
    diagnostics: [...scopeDiagnostics],
    references: options.references === true ? [] : undefined,
    typeCache: new Map(),
    typesInProgress: new Set(),
    toolSignatures: new Map(),
    used: new Set(),
  };
  for (const file of program.files.values()) ctx.diagnostics.push(...file.parsed.diagnostics);

  const flows: { symbol: DeclSymbol; info: FlowInfo }[] = [];
  const agents = new Map<A.AgentDecl, AgentInfo>();
  for (const scope of scopes.values()) {
    for (const sym of scope.own.values()) {
      switch (sym.decl.kind) {
        case "TypeDecl":
          checkTypeDecl(ctx, sym.decl, scope);
          break;
        case "ModelDecl":
          checkModel(ctx, sym.decl);
          break;
        case "ToolDecl":
          checkTool(ctx, sym);
          break;
        case "AgentDecl":
          agents.set(sym.decl, checkAgent(ctx, sym.decl, scope));
          break;
        case "GuardrailDecl":
          checkGuardrail(ctx, sym.decl, scope);
          break;
        case "FlowDecl": {
          const info = checkFlow(ctx, sym.decl, scope);
          analyzeGraph(ctx, info);
          flows.push({ symbol: sym, info });
          break;
        }
      }
    }
  }
  reportDuplicateRootFlows(ctx, flows);
  reportUnused(ctx);
  return {
    program,
    diagnostics: ctx.diagnostics,
    scopes,
    flows,
    agents,
    references: ctx.references,
    typeCache: ctx.typeCache,
    toolSignatures: ctx.toolSignatures,
  };
}

/** The IR keys flows by name: two files given together may not both declare one. */
function reportDuplicateRootFlows(ctx: CheckContext, flows: readonly { symbol: DeclSymbol }[]): void {
  const seen = new Map<string, DeclSymbol>();
  for (const { symbol } of flows) {
    if (!symbol.file.isRoot) continue;
    const prev = seen.get(symbol.name);
    if (prev === undefined) {
      seen.set(symbol.name, symbol);
      continue;
    }
    report(ctx, "AIW0102", {
      message: `flow '${symbol.name}' is declared in '${prev.file.path}' and in '${symbol.file.path}'`,
      span: symbol.decl.name,
      label: "second flow with this name",
      secondary: [{ span: prev.decl.name, message: "first declared here" }],
      help: "rename one of the flows, or check the files separately",
    });
  }
}

/**
 * Unused declarations, in files given on the command line that declare a flow.
 * Files without flows are libraries: their declarations are exports.
 */
function reportUnused(ctx: CheckContext): void {
  for (const scope of ctx.scopes.values()) {
    if (!scope.file.isRoot) continue;
    if (!scope.file.parsed.ast.declarations.some((d) => d.kind === "FlowDecl")) continue;
    for (const sym of scope.own.values()) {
      if (sym.kind === "flow" || ctx.used.has(sym.decl)) continue;
      report(ctx, "AIW0501", {
        message: `${sym.kind} '${sym.name}' is never used`,
        span: sym.decl.name,
        label: "unused",
        help: `remove it, or use it${sym.kind === "tool" ? " in a task's run" : ""}`,
      });
    }
  }
}
