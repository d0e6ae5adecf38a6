// Starting and resuming runs: checks the inputs against the flow before
// anything runs, registers the run in the state store, and hands the graph
// to the scheduler. The runtime executes the IR only, never source text.

import { createHash, randomBytes } from "node:crypto";
import * as nodePath from "node:path";
import type { IrProgram, JsonValue } from "../compiler/ir.ts";
import { IR_VERSION } from "../compiler/ir.ts";
import type { ResultCache } from "./cache.ts";
import type { EventBus } from "./events.ts";
import type { Embedder } from "./memory.ts";
import { Execution, type RunResult } from "./scheduler.ts";
import { StateStoreError, type StateStore, type StoredRun } from "./state/store.ts";
import { createToolRegistry, type ToolRegistryOptions } from "./tools/registry.ts";
import type { ToolFunction } from "./tools/tool.ts";
import { checkValue, withDefaults, type Value } from "./values.ts";

export const DEFAULT_CONCURRENCY = 16;
/** A task attempt with no `timeout` is stopped after this long, so nothing hangs forever. */
export const DEFAULT_TASK_TIMEOUT_MS = 15 * 60_000;

export interface RunOptions {
  readonly store?: StateStore;
  readonly events?: EventBus;
  readonly concurrency?: number;
  /** The folder file tools read and write in (created if missing by the caller). */
  readonly workDir: string;
  /** The folder IR locations are relative to (the compile-time working folder). */
  readonly baseDir: string;
  readonly defaultTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** For backoff jitter; tests pass a seeded one. */
  readonly random?: () => number;
  readonly runId?: string;
  /** Result cache for tasks with `cache:` (an in-process LRU in front of Redis). */
  readonly cache?: ResultCache;
  /** Embeds memory texts for semantic recall beside BM25 (runtime/inference/embedder.ts). */
  readonly memoryEmbedder?: Embedder;
  /** Implementations of model-backed tools (the OpenVINO backend). */
  readonly modelTool?: ToolRegistryOptions["modelTool"];
  /** Hosts the built-in http_request may reach (`example.com`, `*.example.com`); undefined: any. */
  readonly httpAllow?: readonly string[];
}

/** Problems with the inputs, found before anything runs. */
export class InputError extends Error {
  override readonly name = "InputError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

/** Validates raw inputs against the flow's declared inputs and fills in defaults. */
export function prepareInputs(program: IrProgram, flowName: string, raw: Readonly<Record<string, unknown>>): Record<string, Value> {
  const flow = program.flows[flowName];
  if (flow === undefined) throw new InputError([`no flow '${flowName}'; the flows are: ${Object.keys(program.flows).join(", ") || "none"}`]);
  const problems: string[] = [];
  const out: Record<string, Value> = {};
  for (const name of Object.keys(raw)) {
    if (!flow.inputs.some((p) => p.name === name)) problems.push(`'${name}' is not an input of flow '${flowName}' (its inputs: ${flow.inputs.map((p) => p.name).join(", ") || "none"})`);
  }
  for (const p of flow.inputs) {
    const given = Object.hasOwn(raw, p.name) ? raw[p.name] : undefined;
    if (given === undefined) {
      if (p.default !== undefined) out[p.name] = withDefaults(p.default, p.type, program);
      else if (p.type.kind === "optional") out[p.name] = null;
      else problems.push(`input '${p.name}' is required (${describeType(p.type)})`);
      continue;
    }
    const m = checkValue(given, p.type, program);
    if (m !== undefined) problems.push(`input '${p.name}': ${m}`);
    else out[p.name] = withDefaults(given as Value, p.type, program);
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

function describeType(t: IrProgram["flows"][string]["inputs"][number]["type"]): string {
  switch (t.kind) {
    case "list":
      return `${describeType(t.element)}[]`;
    case "optional":
      return `${describeType(t.inner)}?`;
    case "named":
      return t.name;
    case "record":
      return `{ ${t.fields.map((f) => `${f.name}: ${describeType(f.type)}`).join(", ")} }`;
    default:
      return t.kind;
  }
}

export function newRunId(): string {
  const d = new Date();
  const stamp = d.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  // 48 random bits: thousands of runs a second stay unique.
  return `${stamp}-${randomBytes(6).toString("hex")}`;
}

const hashes = new WeakMap<IrProgram, string>();

/** SHA-256 of the IR's JSON, computed once per IR object (it is megabytes for big flows). */
export function irHash(program: IrProgram): string {
  let h = hashes.get(program);
  if (h === undefined) {
    h = createHash("sha256").update(JSON.stringify(program)).digest("hex");
    hashes.set(program, h);
  }
  return h;
}

function toolLoader(program: IrProgram, baseDir: string, options: RunOptions): (name: string) => Promise<ToolFunction> {
  const registry = createToolRegistry({
    ...(options.modelTool !== undefined ? { modelTool: options.modelTool } : {}),
    ...(options.httpAllow !== undefined ? { httpAllow: options.httpAllow } : {}),
  });
  const cache = new Map<string, Promise<ToolFunction>>();
  return (name) => {
    let p = cache.get(name);
    if (p === undefined) {
      const tool = program.tools[name];
      if (tool === undefined) return Promise.reject(new Error(`no tool '${name}' in the IR`));
      const sourceDir = tool.location !== undefined ? nodePath.dirname(nodePath.resolve(baseDir, tool.location.file)) : baseDir;
      p = registry.get(name, tool, sourceDir);
      cache.set(name, p);
    }
    return p;
  };
}

/** Runs a flow from the start. Inputs are validated first (InputError). */
export async function runFlow(program: IrProgram, flowName: string, rawInputs: Readonly<Record<string, unknown>>, options: RunOptions): Promise<RunResult> {
  if (program.irVersion !== IR_VERSION) throw new InputError([`this IR has version ${String(program.irVersion)}; this runtime reads version ${IR_VERSION}`]);
  const inputs = prepareInputs(program, flowName, rawInputs);
  const runId = options.runId ?? newRunId();
  if (options.store !== undefined) {
    await options.store.createRun({
      runId,
      flow: flowName,
      // Only stores and caches need the hash; a plain run never pays for it.
    irHash: options.store !== undefined || options.cache !== undefined ? irHash(program) : "",
      ir: program as unknown as JsonValue,
      inputs,
      createdAt: new Date().toISOString(),
      baseDir: options.baseDir,
      workDir: options.workDir,
    });
  }
  return execute(undefined, program, flowName, inputs, runId, options);
}

/** Continues a stored run: finished tasks are kept, the rest run (failed ones again). */
export async function resumeRun(runId: string, options: RunOptions & { readonly store: StateStore }): Promise<RunResult> {
  const stored = await options.store.loadRun(runId);
  if (stored === undefined) throw new StateStoreError(`no run '${runId}' in the state store`);
  const program = stored.meta.ir as unknown as IrProgram;
  if (typeof program !== "object" || program === null || program.irVersion !== IR_VERSION || irHash(program) !== stored.meta.irHash) {
    throw new StateStoreError(`run '${runId}' holds an IR this runtime cannot resume (version or checksum mismatch)`);
  }
  await options.store.setStatus(runId, "RUNNING");
  const baseDir = stored.meta.baseDir ?? options.baseDir;
  const workDir = stored.meta.workDir ?? options.workDir;
  return execute(stored, program, stored.meta.flow, stored.meta.inputs as Record<string, Value>, runId, { ...options, baseDir, workDir });
}

async function execute(
  restored: StoredRun | undefined,
  program: IrProgram,
  flowName: string,
  inputs: Record<string, Value>,
  runId: string,
  options: RunOptions,
): Promise<RunResult> {
  const execution = new Execution({
    runId,
    program,
    flowName,
    inputs,
    ...(options.store !== undefined ? { store: options.store } : {}),
    ...(options.events !== undefined ? { events: options.events } : {}),
    concurrency: Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY),
    workDir: options.workDir,
    baseDir: options.baseDir,
    defaultTimeoutMs: options.defaultTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    random: options.random ?? Math.random,
    toolFor: toolLoader(program, options.baseDir, options),
    // Only stores and caches need the hash; a plain run never pays for it.
    irHash: options.store !== undefined || options.cache !== undefined ? irHash(program) : "",
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.memoryEmbedder !== undefined ? { memoryEmbedder: options.memoryEmbedder } : {}),
    ...(restored !== undefined ? { restored } : {}),
  });
  const result = await execution.run();
  if (options.store !== undefined) {
    await options.store.append(runId, [{ kind: "end", status: result.status, ...(result.output !== undefined ? { output: result.output } : {}), ...(result.error !== undefined ? { error: result.error } : {}) }]);
    await options.store.setStatus(runId, result.status);
  }
  if (options.events?.active) options.events.emit({ type: "run.end", runId, flow: flowName, status: result.status, durationMs: result.durationMs, ...(result.output !== undefined ? { output: result.output } : {}), at: Date.now() });
  return result;
}

export type { RunResult };
