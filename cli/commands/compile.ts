// `aiwc compile FILE... --target airflow --out DIR`: one static Airflow DAG
// file per flow of the files, plus the support module the DAGs import.
// Needs no Python. Exit 0 on success, 1 on compile errors, 2 on usage errors.

import { mkdirSync, writeFileSync } from "node:fs";
import * as nodePath from "node:path";
import { Command, Option } from "commander";
import { compileToAirflow } from "../../compiler/backends/airflow/index.ts";
import { compile } from "../../compiler/compile.ts";
import { hasErrors } from "../../compiler/diagnostics.ts";
import { renderDiagnostics } from "../../compiler/render-diagnostic.ts";
import { EXIT_ERRORS, EXIT_USAGE, type CommandContext } from "../context.ts";
import { requireFiles } from "../files.ts";
import { VERSION } from "../main.ts";

const TARGETS = ["airflow"] as const;

interface CompileOptions {
  target: (typeof TARGETS)[number];
  out: string;
  quiet?: boolean;
}

export function compileCommand(ctx: CommandContext): Command {
  return new Command("compile")
    .description("compile the flows of .aiw files for another engine (Airflow 3 DAG files)")
    .argument("<files...>", ".aiw files")
    .addOption(new Option("--target <target>", "what to compile to").choices(TARGETS).default("airflow"))
    .requiredOption("--out <dir>", "folder to write the generated files to (created if missing)")
    .option("--quiet", "do not list the files written")
    .action((files: string[], opts: CompileOptions) => {
      if (!requireFiles(ctx, files)) return;
      const c = compile(files);
      const color = ctx.isTTY;
      if (c.ir === undefined) {
        ctx.stderr(renderDiagnostics(c.diagnostics, c.sourceOf, { color }));
        ctx.exitCode = EXIT_ERRORS;
        return;
      }
      const outDir = nodePath.resolve(opts.out);
      const result = compileToAirflow(c, { version: VERSION, outDir, projectDir: process.cwd() });
      const diagnostics = [...c.diagnostics, ...result.diagnostics];
      if (diagnostics.length > 0) ctx.stderr(renderDiagnostics(diagnostics, c.sourceOf, { color }));
      if (hasErrors(result.diagnostics)) {
        ctx.exitCode = EXIT_ERRORS;
        return;
      }
      try {
        mkdirSync(outDir, { recursive: true });
        for (const f of result.files) writeFileSync(nodePath.join(outDir, f.path), f.text);
      } catch (err) {
        ctx.stderr(`error: cannot write to '${opts.out}': ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      if (!opts.quiet) for (const f of result.files) ctx.stdout(`${nodePath.join(opts.out, f.path)}${f.dagId !== undefined ? `  (dag_id ${f.dagId})` : ""}\n`);
    });
}
