// `aiwc lsp --stdio`: the language server (lsp/server.ts) on standard input
// and output, for any LSP client. Runs until the client says exit.

import { Command } from "commander";
import { EXIT_USAGE, type CommandContext } from "../context.ts";

export function lspCommand(ctx: CommandContext): Command {
  return new Command("lsp")
    .description("start the language server (completion, diagnostics, navigation) for editors")
    .option("--stdio", "talk LSP over standard input and output (the only transport)")
    .action(async (opts: { stdio?: boolean }) => {
      if (opts.stdio !== true) {
        ctx.stderr("error: aiwc lsp talks over standard input and output: run 'aiwc lsp --stdio'\n");
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      // Loaded here so other commands do not pay for the LSP libraries.
      const { startServer } = await import("../../lsp/server.ts");
      const { VERSION } = await import("../main.ts");
      const connection = startServer({ version: VERSION });
      await new Promise<void>((resolve) => connection.onExit(() => resolve()));
    });
}
