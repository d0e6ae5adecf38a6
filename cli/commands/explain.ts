// `aiwc explain AIW0101`: the long explanation of a diagnostic code;
// without a code, the list of every code and its title.

import { Command } from "commander";
import { DIAGNOSTIC_CODES, isDiagnosticCode } from "../../compiler/diagnostic-codes.ts";
import { EXIT_USAGE, type CommandContext } from "../context.ts";

export function explainCommand(ctx: CommandContext): Command {
  return new Command("explain")
    .description("explain a diagnostic code, e.g. aiwc explain AIW0101 (no code: list them all)")
    .argument("[code]", "diagnostic code")
    .action((code: string | undefined) => {
      if (code === undefined) {
        const rows = Object.entries(DIAGNOSTIC_CODES).map(([c, info]) => `${c}  ${info.severity.padEnd(7)}  ${info.title}`);
        ctx.stdout(`${rows.join("\n")}\n`);
        return;
      }
      const normalized = code.trim().toUpperCase();
      const withPrefix = /^\d+$/.test(normalized) ? `AIW${normalized.padStart(4, "0")}` : normalized;
      if (!isDiagnosticCode(withPrefix)) {
        ctx.stderr(`error: '${code}' is not a diagnostic code; run 'aiwc explain' to list them\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const info = DIAGNOSTIC_CODES[withPrefix];
      ctx.stdout(`${withPrefix}: ${info.title} (${info.severity})\n\n${info.explanation}\n`);
    });
}
