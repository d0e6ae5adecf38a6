// `aiwc check FILE...`: parse, resolve and type-check; print diagnostics.
// Exit 0 when clean (warnings allowed), 1 on errors, 2 on usage errors.

import { Command } from "commander";
import { check } from "../../compiler/compile.ts";
import { hasErrors } from "../../compiler/diagnostics.ts";
import { diagnosticsToJson, renderDiagnostics } from "../../compiler/render-diagnostic.ts";
import { requireFiles } from "../files.ts";
import { EXIT_ERRORS, EXIT_OK, type CommandContext } from "../context.ts";

export function checkCommand(ctx: CommandContext): Command {
  return new Command("check")
    .description("check .aiw files and the files they import; print errors with their location")
    .argument("<files...>", ".aiw files")
    .option("--json", "print diagnostics as JSON on stdout")
    .option("--deny-warnings", "exit 1 when there are warnings")
    .action((files: string[], opts: { json?: boolean; denyWarnings?: boolean }) => {
      if (!requireFiles(ctx, files)) return;
      const c = check(files);
      if (opts.json) {
        ctx.stdout(`${JSON.stringify(diagnosticsToJson(c.diagnostics, c.sourceOf), null, 2)}\n`);
      } else if (c.diagnostics.length > 0) {
        ctx.stderr(renderDiagnostics(c.diagnostics, c.sourceOf, { color: ctx.isTTY }));
      } else {
        ctx.stdout(`checked ${c.program.files.size} file${c.program.files.size === 1 ? "" : "s"}: no problems\n`);
      }
      const failed = hasErrors(c.diagnostics) || (opts.denyWarnings === true && c.diagnostics.length > 0);
      ctx.exitCode = failed ? EXIT_ERRORS : EXIT_OK;
    });
}
