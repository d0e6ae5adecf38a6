// `aiwc fmt [--check] FILE...`: format .aiw files in place (or, with --check,
// only list those that would change). Files with syntax errors are never written.

import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import * as nodePath from "node:path";
import { Command } from "commander";
import { formatAiw } from "../../compiler/backends/format/index.ts";
import { syntaxErrors } from "../../compiler/backends/format/parser.ts";
import { parseFile } from "../../compiler/parse-file.ts";
import { renderDiagnostics } from "../../compiler/render-diagnostic.ts";
import { sourceFile } from "../../compiler/source.ts";
import { requireFiles } from "../files.ts";
import { EXIT_ERRORS, EXIT_OK, type CommandContext } from "../context.ts";

type Outcome = "unchanged" | "changed" | "error";

export function fmtCommand(ctx: CommandContext): Command {
  return new Command("fmt")
    .description("format .aiw files in place; with --check, list the files that are not formatted")
    .argument("<files...>", ".aiw files")
    .option("--check", "write nothing; exit 1 when a file would change")
    .action(async (files: string[], opts: { check?: boolean }) => {
      if (!requireFiles(ctx, files)) return;
      let failed = false;
      for (const file of files) {
        const outcome = await formatOne(ctx, file, opts.check === true);
        if (outcome === "error" || (outcome === "changed" && opts.check === true)) failed = true;
      }
      ctx.exitCode = failed ? EXIT_ERRORS : EXIT_OK;
    });
}

async function formatOne(ctx: CommandContext, file: string, check: boolean): Promise<Outcome> {
  const text = readFileSync(file, "utf8");
  // Checked here rather than left to Prettier, to show the compiler's own diagnostics.
  const errors = syntaxErrors(parseFile(file, text).diagnostics);
  if (errors.length > 0) {
    const source = sourceFile(file, text);
    ctx.stderr(renderDiagnostics(errors, (p) => (p === file ? source : undefined), { color: ctx.isTTY }));
    return "error";
  }
  let formatted: string;
  try {
    formatted = await formatAiw(text, file);
  } catch (err) {
    ctx.stderr(`error: cannot format '${file}': ${err instanceof Error ? err.message : String(err)}\n`);
    return "error";
  }
  if (formatted === text) return "unchanged";
  if (!check) writeAtomically(file, formatted);
  ctx.stdout(`${file}\n`);
  return "changed";
}

/** Temp file in the same directory, then rename: a crash never leaves a half-written source. */
function writeAtomically(file: string, text: string): void {
  const temp = nodePath.join(nodePath.dirname(file), `.${nodePath.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(temp, text, { encoding: "utf8", mode: statSync(file).mode & 0o7777 });
    renameSync(temp, file);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // The temp file was never created.
    }
    throw err;
  }
}
