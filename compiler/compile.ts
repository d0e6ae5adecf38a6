// The compiler's public entry: files in, diagnostics and (when there are no
// errors) the IR out. The CLI, the LSP, the REST API and tests all call this.

import * as nodePath from "node:path";
import { checkProgram, type CheckedProgram } from "./check.ts";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import type { IrProgram } from "./ir.ts";
import { lowerProgram } from "./lower.ts";
import { loadProgram, nodeHost, type CompilerHost, type Program } from "./program.ts";
import type { SourceFile } from "./source.ts";

export interface Compilation {
  readonly program: Program;
  readonly checked: CheckedProgram;
  /** Sorted by file, then position. */
  readonly diagnostics: readonly Diagnostic[];
  /** Present when there are no errors (warnings allowed). */
  readonly ir: IrProgram | undefined;
  /** The source of a file by display path (the `file` of spans), for rendering. */
  sourceOf(displayPath: string): SourceFile | undefined;
}

export function compile(paths: readonly string[], host: CompilerHost = nodeHost): Compilation {
  const program = loadProgram(paths, host);
  const checked = checkProgram(program);
  const diagnostics = sortDiagnostics([...program.diagnostics, ...checked.diagnostics]);
  const ir = hasErrors(diagnostics) ? undefined : lowerProgram(checked);
  return {
    program,
    checked,
    diagnostics,
    ir,
    sourceOf: (p) => program.byDisplayPath.get(p)?.source,
  };
}

/** Compiles in-memory sources (path -> text); imports resolve among them. */
export function compileSources(sources: Readonly<Record<string, string>>, roots?: readonly string[]): Compilation {
  const byAbs = new Map(Object.entries(sources).map(([p, t]) => [nodePath.resolve(p), t]));
  const host: CompilerHost = {
    readFile: (abs) => byAbs.get(abs),
    displayPath: nodeHost.displayPath,
  };
  return compile(roots ?? Object.keys(sources), host);
}
