// One root file's analysis: the program it loads and what the checker found.
// The phases are compile()'s (compiler/compile.ts) without lowering to IR, run
// as two steps so the workspace can yield between them and drop the work when
// the file changed meanwhile. Diagnostics are those `aiwc check FILE` prints.

import type { IToken } from "chevrotain";
import { definitionSites, type DefinitionSite } from "../compiler/at-offset.ts";
import { checkProgram, type CheckedProgram } from "../compiler/check.ts";
import { sortDiagnostics, type Diagnostic } from "../compiler/diagnostics.ts";
import { loadProgram, type CompilerHost, type Program, type ProgramFile } from "../compiler/program.ts";
import { lex } from "../grammar/parse.ts";

export interface Analysis {
  /** Absolute path of the root file. */
  readonly root: string;
  /** The root's content stamp when it was read (see Workspace.stamp). */
  readonly stamp: number;
  readonly program: Program;
  readonly checked: CheckedProgram;
  readonly file: ProgramFile;
  /** Diagnostics located in the root file, in `aiwc check` order. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every diagnostic of the program (for code actions whose fix edits another file). */
  readonly allDiagnostics: readonly Diagnostic[];
  /** Definition sites of the root file. */
  readonly sites: readonly DefinitionSite[];
  /** Files the result depends on: the program's files and import targets that were missing. */
  readonly dependsOn: ReadonlySet<string>;
}

/** The tokens of an analysed file: kept by loadRoot, lexed again otherwise. */
export function tokensOf(file: ProgramFile): readonly IToken[] {
  return file.parsed.tokens ?? lex(file.source.text).tokens;
}

/** The comment tokens of a file (kept with its tokens; lexed again if it was parsed without). */
export function commentTokensOf(file: ProgramFile): readonly IToken[] {
  return file.parsed.comments ?? lex(file.source.text).comments;
}

/** Step one: read and parse the root and everything it imports (keeping their tokens). */
export function loadRoot(root: string, host: CompilerHost): Program {
  return loadProgram([root], host, { tokens: true });
}

/** Step two: check the loaded program. */
export function checkRoot(root: string, stamp: number, program: Program): Analysis | undefined {
  const file = program.files.get(root);
  if (file === undefined) return undefined;
  const checked = checkProgram(program, { references: true });
  const all = sortDiagnostics([...program.diagnostics, ...checked.diagnostics]);
  const dependsOn = new Set<string>();
  for (const f of program.files.values()) {
    dependsOn.add(f.absolutePath);
    for (const imp of f.imports) if (imp.target !== undefined) dependsOn.add(imp.target);
  }
  return {
    root,
    stamp,
    program,
    checked,
    file,
    diagnostics: all.filter((d) => d.primary.span.file === file.path),
    allDiagnostics: all,
    sites: definitionSites(file.parsed.ast),
    dependsOn,
  };
}
