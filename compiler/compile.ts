// The compiler's public entry: files in, diagnostics and (when there are no
// errors) the IR out; `check` stops before lowering, which reports nothing.
// The CLI, the REST API and tests call it (the LSP runs the same phases).

import * as nodePath from "node:path";
import { checkProgram, type CheckedProgram } from "./check.ts";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import type { IrProgram } from "./ir.ts";
import { lowerProgram } from "./lower.ts";
import { loadProgram, nodeHost, type CompilerHost, type Program } from "./program.ts";
import type { SourceFile } from "./source.ts";

/** What `aiwc check` needs: the program, the checker's results and the diagnostics. */
export interface Checked {
  readonly program: Program;
  readonly checked: CheckedProgram;
  /** Sorted by file, then position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The source of a file by display path (the `file` of spans), for rendering. */
  sourceOf(displayPath: string): SourceFile | undefined;
}

export interface Compilation extends Checked {
  /** Present when there are no errors (warnings allowed). */
  readonly ir: IrProgram | undefined;
}

/** Parses, resolves and type-checks: every diagnostic, no IR (lowering reports nothing). */
export function check(paths: readonly string[], host: CompilerHost = nodeHost): Checked {
  const program = loadProgram(paths, host);
  const checked = checkProgram(program);
  return {
    program,
    checked,
    diagnostics: sortDiagnostics([...program.diagnostics, ...checked.diagnostics]),
    sourceOf: (p) => program.byDisplayPath.get(p)?.source,
  };
}

/** Checks, then lowers to the IR when there are no errors. */
export function compile(paths: readonly string[], host: CompilerHost = nodeHost): Compilation {
  const c = check(paths, host);
  return { ...c, ir: hasErrors(c.diagnostics) ? undefined : lowerProgram(c.checked) };
}

/** A compiler host over in-memory sources (path -> text); imports resolve among them. */
function sourcesHost(sources: Readonly<Record<string, string>>): CompilerHost {
  const byAbs = new Map(Object.entries(sources).map(([p, t]) => [nodePath.resolve(p), t]));
  return { readFile: (abs) => byAbs.get(abs), displayPath: nodeHost.displayPath };
}

/** Checks in-memory sources (path -> text). */
export function checkSources(sources: Readonly<Record<string, string>>, roots?: readonly string[]): Checked {
  return check(roots ?? Object.keys(sources), sourcesHost(sources));
}

/** Compiles in-memory sources (path -> text); imports resolve among them. */
export function compileSources(sources: Readonly<Record<string, string>>, roots?: readonly string[]): Compilation {
  return compile(roots ?? Object.keys(sources), sourcesHost(sources));
}
