// `aiwc run FILE`: compiles a file and executes one of its flows on the
// runtime, with a live view on a terminal, plain lines otherwise, or one JSON
// document with --json. `--resume RUN_ID` continues an interrupted run.
// Exit 0 when the flow completes, 1 when it fails, 2 on usage or compile errors.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as nodePath from "node:path";
import { Command, Option } from "commander";
import { httpAllowOption } from "../http-allow.ts";
import { compile } from "../../compiler/compile.ts";
import type { IrProgram, IrType } from "../../compiler/ir.ts";
import { renderDiagnostics } from "../../compiler/render-diagnostic.ts";
import { EventBus } from "../../runtime/events.ts";
import { attachJsonLog } from "../../runtime/logs.ts";
import { RunMetrics } from "../../runtime/metrics.ts";
import { InputError, prepareInputs, resumeRun, runFlow, type RunOptions } from "../../runtime/run.ts";
import type { RunResult } from "../../runtime/scheduler.ts";
import { openStateStore } from "../../runtime/state/open-store.ts";
import { withFaults } from "../../runtime/state/faults.ts";
import { TieredResultCache } from "../../runtime/result-cache.ts";
import { TextEmbedder } from "../../runtime/inference/embedder.ts";
import { lazyModelTools } from "../../runtime/inference/model-tool.ts";
import { StateStoreError, type StateStore } from "../../runtime/state/store.ts";
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, type CommandContext } from "../context.ts";
import { requireFiles } from "../files.ts";
import { attachLiveView, attachPlainView, clean } from "../progress.ts";

interface RunFlags {
  flow?: string;
  input: string[];
  inputs?: string;
  json?: boolean;
  state?: string;
  resume?: string;
  concurrency: string;
  workDir?: string;
  metrics?: string;
  log?: string;
  cache?: string;
  semanticMemory?: string | boolean;
  httpAllow?: string[];
}

export function runCommand(ctx: CommandContext): Command {
  return new Command("run")
    .description("run a flow of a .aiw file (or resume an interrupted run with --resume)")
    .argument("[file]", ".aiw file")
    .option("--flow <name>", "the flow to run (default: the file's only flow)")
    .option("--input <key=value>", "an input value; repeatable (JSON for non-string inputs)", (v: string, prev: string[]) => [...prev, v], [])
    .option("--inputs <file.json>", "inputs as a JSON object")
    .option("--json", "print one JSON document with the run's result")
    .option("--state <url>", "state store: a SQLite path (default .aiw-state/runs.db) or redis://host:port")
    .option("--resume <run-id>", "continue a run without re-running its finished tasks")
    .addOption(new Option("--concurrency <n>", "tasks running at once").default("16"))
    .option("--work-dir <dir>", "folder that file tools may read and write (default: the current folder)")
    .option("--metrics <file>", "write Prometheus metrics to this file at the end")
    .option("--log <file>", "write JSON logs to this file ('-' for stderr)")
    .option("--cache <url>", "result cache for tasks with cache: 'memory' (in-process) or redis://host:port (in-process LRU in front of Redis)")
    .option("--semantic-memory [dir]", "agent memory also recalls by meaning: sentence embeddings (all-MiniLM-L6-v2 and its tokenizer in dir, default models/build/minilm) fused with BM25")
    .addOption(httpAllowOption())
    .action(async (file: string | undefined, flags: RunFlags) => {
      ctx.exitCode = await run(ctx, file, flags);
    });
}

async function run(ctx: CommandContext, file: string | undefined, flags: RunFlags): Promise<number> {
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) return usage(ctx, `--concurrency must be a whole number of at least 1, not '${flags.concurrency}'`);
  if (file === undefined && flags.resume === undefined) return usage(ctx, "give a .aiw file to run, or --resume RUN_ID");
  if (file !== undefined && flags.resume !== undefined) return usage(ctx, "give either a file or --resume, not both");

  // Everything that can be refused is checked before the state store is opened (and created).
  let compiled: { ir: IrProgram; flow: string; inputs: Record<string, unknown> } | undefined;
  if (file !== undefined) {
    if (!requireFiles(ctx, [file])) return EXIT_USAGE;
    const c = compile([file]);
    if (c.ir === undefined) {
      ctx.stderr(renderDiagnostics(c.diagnostics, c.sourceOf, { color: ctx.isTTY }));
      return EXIT_USAGE;
    }
    const flow = chooseFlow(ctx, c.ir, flags.flow);
    if (flow === undefined) return EXIT_USAGE;
    const inputs = readInputs(ctx, c.ir, flow, flags);
    if (inputs === undefined) return EXIT_USAGE;
    try {
      prepareInputs(c.ir, flow, inputs);
    } catch (err) {
      if (err instanceof InputError) return inputProblems(ctx, err);
      throw err;
    }
    compiled = { ir: c.ir, flow, inputs };
  }
  const workDir = nodePath.resolve(flags.workDir ?? process.cwd());
  try {
    mkdirSync(workDir, { recursive: true });
  } catch (err) {
    return usage(ctx, `cannot create the work folder '${workDir}': ${err instanceof Error ? err.message : String(err)}`);
  }

  let store: StateStore;
  try {
    store = withFaults(await openStateStore(flags.state, process.cwd()));
  } catch (err) {
    return usage(ctx, err instanceof Error ? err.message : String(err));
  }
  const events = new EventBus();
  const detach: (() => void | Promise<void>)[] = [];
  const metrics = flags.metrics !== undefined ? new RunMetrics() : undefined;
  if (metrics !== undefined) detach.push(metrics.attach(events));
  if (flags.log !== undefined) detach.push(attachJsonLog(events, flags.log));
  if (!flags.json) detach.push(ctx.isTTY ? attachLiveView(events, ctx.stderr) : attachPlainView(events, ctx.stderr));
  const cwd = process.cwd();
  let cache: TieredResultCache | undefined;
  if (flags.cache !== undefined) {
    const warn = (_f: object, message: string) => ctx.stderr(`warning: ${message}\n`);
    try {
      cache = await TieredResultCache.open({
        ...(flags.cache === "memory" ? {} : { redisUrl: flags.cache }),
        ...(metrics !== undefined ? { registry: metrics.registry } : {}),
        logger: { warn, info: () => undefined },
      });
    } catch (err) {
      for (const d of detach) await d();
      await store.close();
      return usage(ctx, `--cache: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let memoryEmbedder: TextEmbedder | undefined;
  if (flags.semanticMemory !== undefined) {
    try {
      memoryEmbedder = await TextEmbedder.open(typeof flags.semanticMemory === "string" ? nodePath.resolve(flags.semanticMemory) : undefined);
    } catch (err) {
      for (const d of detach) await d();
      await store.close();
      await cache?.close();
      return usage(ctx, `--semantic-memory: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const options: RunOptions = {
    store,
    events,
    concurrency,
    workDir,
    baseDir: cwd,
    ...(cache !== undefined ? { cache } : {}),
    modelTool: (name, tool, sourceDir) => models.modelTool(name, tool, sourceDir),
    ...(memoryEmbedder !== undefined ? { memoryEmbedder } : {}),
    ...(flags.httpAllow !== undefined ? { httpAllow: flags.httpAllow } : {}),
  };
  // Model tools (OpenVINO) are set up on first use, for the program being run or resumed.
  const models = lazyModelTools(async () => {
    if (flags.resume === undefined) return { program: compiled!.ir, baseDir: cwd };
    const stored = await store.loadRun(flags.resume);
    return { program: stored!.meta.ir as unknown as IrProgram, baseDir: stored!.meta.baseDir ?? cwd };
  });
  try {
    let result: RunResult;
    if (flags.resume !== undefined) {
      result = await resumeRun(flags.resume, { ...options, store });
    } else {
      result = await runFlow(compiled!.ir, compiled!.flow, compiled!.inputs, options);
    }
    for (const d of detach) await d();
    detach.length = 0;
    if (metrics !== undefined) {
      try {
        mkdirSync(nodePath.dirname(nodePath.resolve(flags.metrics!)), { recursive: true });
        writeFileSync(flags.metrics!, await metrics.text());
      } catch (err) {
        ctx.stderr(`error: cannot write metrics to '${flags.metrics}': ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    if (flags.json) ctx.stdout(`${JSON.stringify(resultJson(result), null, 2)}\n`);
    else if (result.status === "FAILED") ctx.stderr(`error: ${clean(result.error ?? "the flow failed")}\n`);
    return result.status === "COMPLETED" ? EXIT_OK : EXIT_ERRORS;
  } catch (err) {
    if (err instanceof InputError) return inputProblems(ctx, err);
    if (err instanceof StateStoreError) {
      ctx.stderr(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  } finally {
    for (const d of detach) await d();
    await models.close();
    memoryEmbedder?.close();
    await store.close();
    await cache?.close();
  }
}

function inputProblems(ctx: CommandContext, err: InputError): number {
  ctx.stderr(`error: the inputs do not fit the flow:\n${err.problems.map((p) => `  - ${clean(p)}`).join("\n")}\n`);
  return EXIT_USAGE;
}

function usage(ctx: CommandContext, message: string): number {
  ctx.stderr(`error: ${message}\n`);
  return EXIT_USAGE;
}

export function chooseFlow(ctx: CommandContext, ir: IrProgram, wanted: string | undefined): string | undefined {
  const names = Object.keys(ir.flows);
  if (wanted !== undefined) {
    if (names.includes(wanted)) return wanted;
    ctx.stderr(`error: no flow '${wanted}'; the file declares: ${names.join(", ") || "no flow"}\n`);
    return undefined;
  }
  if (names.length === 1) return names[0];
  ctx.stderr(names.length === 0 ? "error: the file declares no flow\n" : `error: the file declares several flows (${names.join(", ")}): choose one with --flow\n`);
  return undefined;
}

/** --inputs file, then --input key=value pairs on top; values parsed by the input's declared type. */
export function readInputs(ctx: CommandContext, ir: IrProgram, flowName: string, flags: Pick<RunFlags, "input" | "inputs">): Record<string, unknown> | undefined {
  const flow = ir.flows[flowName]!;
  let inputs: Record<string, unknown> = {};
  if (flags.inputs !== undefined) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(flags.inputs, "utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("it is not a JSON object");
      inputs = { ...(parsed as Record<string, unknown>) };
    } catch (err) {
      ctx.stderr(`error: cannot read inputs from '${flags.inputs}': ${err instanceof Error ? err.message : String(err)}\n`);
      return undefined;
    }
  }
  for (const pair of flags.input) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      ctx.stderr(`error: --input takes key=value, not '${pair}'\n`);
      return undefined;
    }
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const declared = flow.inputs.find((p) => p.name === key)?.type;
    if (declared !== undefined && isStringType(declared)) {
      inputs[key] = raw;
      continue;
    }
    try {
      inputs[key] = JSON.parse(raw);
    } catch {
      // A bare word for a non-string input is most likely a typo of quoting.
      ctx.stderr(`error: --input ${key}: '${raw}' is not valid JSON (the input is not a string)\n`);
      return undefined;
    }
  }
  return inputs;
}

function isStringType(t: IrType): boolean {
  return t.kind === "string" || (t.kind === "optional" && t.inner.kind === "string");
}

/** The --json document: run id, status, per-task status/attempts/duration, outputs. */
export function resultJson(r: RunResult): object {
  return {
    runId: r.runId,
    flow: r.flow,
    status: r.status,
    durationMs: r.durationMs,
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.output !== undefined ? { output: r.output } : {}),
    tasks: r.tasks,
  };
}
