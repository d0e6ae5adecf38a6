// Checks that the files named on the command line exist before any work,
// so a typo in a path is a usage error (exit 2), not a compile error.

import { statSync } from "node:fs";
import type { CommandContext } from "./context.ts";
import { EXIT_USAGE } from "./context.ts";

export function requireFiles(ctx: CommandContext, files: readonly string[]): boolean {
  const missing = files.filter((f) => {
    try {
      return !statSync(f).isFile();
    } catch {
      return true;
    }
  });
  for (const f of missing) ctx.stderr(`error: cannot read '${f}': no such file\n`);
  if (missing.length > 0) ctx.exitCode = EXIT_USAGE;
  return missing.length === 0;
}
