// `aiwc graph FILE`: draws one flow's task graph as Mermaid (default), Graphviz DOT or SVG.
// Usage errors (bad format, ambiguous or unknown flow) exit 2; compile errors exit 1.

import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { compile } from "../../compiler/compile.ts";
import type { IrProgram } from "../../compiler/ir.ts";
import { renderDiagnostics } from "../../compiler/render-diagnostic.ts";
import { didYouMean } from "../../compiler/suggest.ts";
import { flowToDot } from "../../compiler/backends/graph/dot.ts";
import { flowToMermaid } from "../../compiler/backends/graph/mermaid.ts";
import { flowNames } from "../../compiler/backends/graph/model.ts";
import { flowToSvg } from "../../compiler/backends/graph/svg.ts";
import { requireFiles } from "../files.ts";
import { EXIT_ERRORS, EXIT_USAGE, type CommandContext } from "../context.ts";

const FORMATS = ["mermaid", "dot", "svg"] as const;
type Format = (typeof FORMATS)[number];

interface GraphOptions {
  flow?: string;
  format: Format;
  out?: string;
}

export function graphCommand(ctx: CommandContext): Command {
  return new Command("graph")
    .description("draw a flow's tasks and dependencies as Mermaid, Graphviz DOT or SVG")
    .argument("<file>", ".aiw file")
    .option("--flow <name>", "the flow to draw (needed when the file has several)")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("mermaid"))
    .option("--out <path>", "write to this file instead of stdout")
    .action(async (file: string, opts: GraphOptions) => {
      if (!requireFiles(ctx, [file])) return;
      const c = compile([file]);
      if (c.ir === undefined) {
        ctx.stderr(renderDiagnostics(c.diagnostics, c.sourceOf, { color: ctx.isTTY }));
        ctx.exitCode = EXIT_ERRORS;
        return;
      }
      const flow = chooseFlow(ctx, c.ir, file, opts.flow);
      if (flow === undefined) return;
      const text = await render(c.ir, flow, opts.format);
      if (opts.out === undefined) ctx.stdout(text);
      else writeOut(ctx, opts.out, text);
    });
}

/** A path that cannot be written is a usage error, reported like a missing input file. */
function writeOut(ctx: CommandContext, out: string, text: string): void {
  try {
    writeFileSync(out, text);
  } catch (err) {
    usageError(ctx, `cannot write '${out}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function render(ir: IrProgram, flow: string, format: Format): Promise<string> | string {
  switch (format) {
    case "mermaid":
      return flowToMermaid(ir, flow);
    case "dot":
      return flowToDot(ir, flow);
    case "svg":
      return flowToSvg(ir, flow).then((svg) => (svg.endsWith("\n") ? svg : `${svg}\n`));
  }
}

/** The flow named by --flow, or the file's only flow; otherwise a usage error naming the choices. */
function chooseFlow(ctx: CommandContext, ir: IrProgram, file: string, wanted: string | undefined): string | undefined {
  const names = flowNames(ir);
  const list = names.map((n) => `'${n}'`).join(", ");
  if (wanted !== undefined) {
    if (names.includes(wanted)) return wanted;
    const hint = didYouMean(wanted, names);
    const known = names.length > 0 ? `; flows: ${list}` : "";
    return usageError(ctx, `no flow named '${wanted}' in ${file}${hint ? ` (${hint})` : known}`);
  }
  if (names.length === 1) return names[0];
  if (names.length === 0) return usageError(ctx, `${file} declares no flow to draw`);
  return usageError(ctx, `${file} declares several flows: ${list}; choose one with --flow NAME`);
}

function usageError(ctx: CommandContext, message: string): undefined {
  ctx.stderr(`error: ${message}\n`);
  ctx.exitCode = EXIT_USAGE;
  return undefined;
}
