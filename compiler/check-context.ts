// State shared by the checking passes of one program: scopes, caches of
// resolved types and tool signatures, the diagnostics and the references
// found (which the LSP uses for definition, references and rename).

import type * as A from "./ast.ts";
import { BUILTIN_TOOLS, type BuiltinTool } from "./builtins.ts";
import { diagnostic, type Diagnostic, type DiagnosticInit } from "./diagnostics.ts";
import type { DiagnosticCode } from "./diagnostic-codes.ts";
import type { Program } from "./program.ts";
import type { DeclSymbol, FileScope } from "./scope.ts";
import type { Span } from "./source.ts";
import type { Type } from "./types.ts";

export interface ParamSignature {
  readonly name: string;
  readonly type: Type;
  readonly hasDefault: boolean;
  readonly span?: Span;
}

/** A callable tool: declared in `.aiw` or built in. */
export interface ToolSignature {
  readonly name: string;
  readonly params: readonly ParamSignature[];
  readonly returns: Type;
  readonly builtin?: BuiltinTool;
  readonly decl?: A.ToolDecl;
  readonly symbol?: DeclSymbol;
}

/** A use of a name and the definition it resolves to. */
export interface Reference {
  readonly span: Span;
  /** The name span of the definition (a declaration, task, input, field or parameter). */
  readonly definition: Span;
  readonly kind: "type" | "model" | "tool" | "agent" | "guardrail" | "flow" | "task" | "template" | "input" | "variable" | "parameter" | "field";
}

export interface CheckContext {
  readonly program: Program;
  readonly scopes: ReadonlyMap<string, FileScope>;
  readonly diagnostics: Diagnostic[];
  /** Collected only when asked (the LSP): a long flow has several per task. */
  readonly references: Reference[] | undefined;
  readonly typeCache: Map<A.TypeDecl, Type>;
  readonly typesInProgress: Set<A.TypeDecl>;
  readonly toolSignatures: Map<A.ToolDecl, ToolSignature>;
  /** Declarations something refers to, for the unused-declaration warning. */
  readonly used: Set<A.Declaration>;
}

export function report(ctx: CheckContext, code: DiagnosticCode, init: DiagnosticInit): void {
  ctx.diagnostics.push(diagnostic(code, init));
}

export function builtinToolSignature(tool: BuiltinTool): ToolSignature {
  return {
    name: tool.name,
    params: tool.params.map((p) => ({ name: p.name, type: p.type, hasDefault: p.default !== undefined })),
    returns: tool.returns,
    builtin: tool,
  };
}

const builtinSignatures = new Map([...BUILTIN_TOOLS.values()].map((t) => [t.name, builtinToolSignature(t)]));

export function builtinSignature(name: string): ToolSignature | undefined {
  return builtinSignatures.get(name);
}

/** Marks a declaration used and records the reference. */
export function useSymbol(ctx: CheckContext, sym: DeclSymbol, at: Span): void {
  ctx.used.add(sym.decl);
  ctx.references?.push({ span: at, definition: sym.decl.name, kind: sym.kind });
}
