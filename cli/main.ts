// The `aiwc` command line: one commander program, one module per subcommand
// under cli/commands/. Exit codes: 0 success, 1 the input has errors (or a
// flow failed), 2 usage errors.

import { Command, CommanderError } from "commander";
import { checkCommand } from "./commands/check.ts";
import { compileCommand } from "./commands/compile.ts";
import { explainCommand } from "./commands/explain.ts";
import { fmtCommand } from "./commands/fmt.ts";
import { graphCommand } from "./commands/graph.ts";
import { irCommand } from "./commands/ir.ts";
import { lspCommand } from "./commands/lsp.ts";
import { runCommand } from "./commands/run.ts";
import { runsCommand } from "./commands/runs.ts";
import { serveCommand } from "./commands/serve.ts";
import { submitCommand } from "./commands/submit.ts";
import { workerCommand } from "./commands/worker.ts";
import type { CommandContext } from "./context.ts";

export const VERSION = "0.1.0";

export async function main(argv: readonly string[], io: Partial<CommandContext> = {}): Promise<number> {
  const ctx: CommandContext = {
    stdout: io.stdout ?? ((s) => void process.stdout.write(s)),
    stderr: io.stderr ?? ((s) => void process.stderr.write(s)),
    isTTY: io.isTTY ?? (process.stdout.isTTY === true && !process.env["NO_COLOR"]),
    exitCode: 0,
  };
  const program = new Command("aiwc")
    .description("AIWork: check, run, compile and edit agentic workflows written in .aiw")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run 'aiwc help' for usage)")
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .exitOverride();
  for (const make of [checkCommand, irCommand, explainCommand, fmtCommand, graphCommand, runCommand, runsCommand, compileCommand, ...extraCommands]) {
    // addCommand does not pass settings down the way .command() does.
    const cmd = make(ctx).copyInheritedSettings(program);
    program.addCommand(cmd);
  }
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; anything else is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
  return ctx.exitCode;
}

/** Subcommands registered by other modules (kept as a list so each lives in its own file). */
const extraCommands: ((ctx: CommandContext) => Command)[] = [lspCommand, serveCommand, workerCommand, submitCommand];
