// `aiwc ir FILE`: prints the IR of a file as JSON (diagnostics on stderr when it has errors).

import { Command } from "commander";
import { compile } from "../../compiler/compile.ts";
import { renderDiagnostics } from "../../compiler/render-diagnostic.ts";
import { requireFiles } from "../files.ts";
import { EXIT_ERRORS, type CommandContext } from "../context.ts";

export function irCommand(ctx: CommandContext): Command {
  return new Command("ir")
    .description("print the IR (versioned JSON) of a file and the files it imports")
    .argument("<file>", ".aiw file")
    .action((file: string) => {
      if (!requireFiles(ctx, [file])) return;
      const c = compile([file]);
      if (c.ir === undefined) {
        ctx.stderr(renderDiagnostics(c.diagnostics, c.sourceOf, { color: ctx.isTTY }));
        ctx.exitCode = EXIT_ERRORS;
        return;
      }
      ctx.stdout(`${JSON.stringify(c.ir, null, 2)}\n`);
    });
}
