// Placeholder: replaced by the checker.
import type { Diagnostic } from "./diagnostics.ts";
import type { Program } from "./program.ts";
export interface CheckedProgram { readonly program: Program; readonly diagnostics: readonly Diagnostic[] }
export function checkProgram(program: Program): CheckedProgram {
  const diagnostics = [...program.files.values()].flatMap((f) => f.parsed.diagnostics);
  return { program, diagnostics };
}
