// Tools bound to a model: the function the tool registry asks for (its
// `modelTool` hook). A model is loaded once per ModelTools (compiled models are
// shared further through the ModelCache), its real ports are checked against
// the declaration, and calls go through the dynamic batcher when the model
// declares `batch:`. Every failure is a ToolError naming the tool, the model
// and where it was declared, so it fails only its own task.

import { existsSync } from "node:fs";
import * as nodePath from "node:path";
import type { IrModel, IrProgram, IrTool } from "../../compiler/ir.ts";
import type { ModelBinding, ToolRegistryOptions } from "../tools/registry.ts";
import { ToolError, type ToolFunction } from "../tools/tool.ts";
import type { Value } from "../values.ts";
import { InferenceError, shapeToString, type InferenceBackend, type PortInfo, type Tensor } from "./backend.ts";
import { DynamicBatcher } from "./batcher.ts";
import { findTokenizersExtension } from "./discover.ts";
import { ModelCache, type LoadedModel } from "./model-cache.ts";
import { openBackend } from "./open-backend.ts";
import { OpenVinoCBackend } from "./openvino-c.ts";
import { finishOutput } from "./postprocess.ts";
import { prepareInputs, type Tokenize } from "./preprocess.ts";

export interface ModelToolsOptions {
  readonly program: IrProgram;
  /** The folder IR locations are relative to (RunOptions.baseDir). */
  readonly baseDir: string;
  /** Defaults to openBackend() on first use, so flows without models never load OpenVINO. */
  readonly backend?: InferenceBackend | (() => InferenceBackend);
  /** Defaults to one cache per backend, shared by the process. */
  readonly cache?: ModelCache;
}

export interface ModelTools {
  readonly modelTool: NonNullable<ToolRegistryOptions["modelTool"]>;
  /** The running model behind a declared model (loading it if needed). */
  model(name: string): Promise<RunningModel>;
  /** Releases every model this instance loaded. */
  close(): Promise<void>;
}

/** A model ready to run: its loaded form, its batcher, and how to call it. */
export interface RunningModel {
  readonly name: string;
  readonly decl: IrModel;
  readonly loaded: LoadedModel;
  readonly batcher: DynamicBatcher | undefined;
  /** Runs one call (through the batcher when there is one). */
  run(inputs: readonly Tensor[]): Promise<Tensor[]>;
}

const caches = new WeakMap<InferenceBackend, ModelCache>();

export function sharedModelCache(backend: InferenceBackend): ModelCache {
  let c = caches.get(backend);
  if (c === undefined) caches.set(backend, (c = new ModelCache(backend)));
  return c;
}

/** "file.aiw:8:7" for messages. */
function where(m: IrModel): string {
  return `${m.location.file}:${m.location.line}:${m.location.column}`;
}

/** OpenVINO properties for a model declaration. */
export function modelProperties(m: IrModel, dir: string): Record<string, string> {
  const props: Record<string, string> = { PERFORMANCE_HINT: m.hint === "throughput" ? "THROUGHPUT" : "LATENCY" };
  if (m.precision !== undefined) props["INFERENCE_PRECISION_HINT"] = m.precision;
  if (m.cacheDir !== undefined) props["CACHE_DIR"] = nodePath.resolve(dir, m.cacheDir);
  return props;
}

/** The declared ports against the compiled model's; a message per mismatch. */
export function portProblems(decl: IrModel, inputs: readonly PortInfo[], outputs: readonly PortInfo[]): string[] {
  const problems: string[] = [];
  const compare = (kind: "input" | "output", declared: IrModel["inputs"], actual: readonly PortInfo[]) => {
    if (declared.length === 0) return;
    const list = actual.map((p) => `${kind} ${p.name}: ${p.dtype}${shapeToString(p.shape)}`).join(", ");
    // Every input must be fed; outputs after the declared ones may go undeclared.
    if (kind === "input" ? declared.length !== actual.length : declared.length > actual.length) {
      problems.push(`it declares ${declared.length} ${kind}(s), the model file has ${actual.length} (${list})`);
      return;
    }
    declared.forEach((d, i) => {
      // By name; by position only when the file's name could not be written in .aiw (e.g. "input.1").
      const a = actual.find((p) => p.name === d.name) ?? (actual[i] !== undefined && !/^[A-Za-z_]\w*$/.test(actual[i]!.name) ? actual[i] : undefined);
      if (a === undefined) {
        problems.push(`the model file has no ${kind} '${d.name}' (it has ${list})`);
        return;
      }
      const declaredText = `${d.dtype}${shapeToString(d.shape)}`;
      if (a.dtype !== d.dtype) problems.push(`${kind} '${d.name}' is declared ${declaredText}, but the model file's is ${a.dtype}${shapeToString(a.shape)}`);
      else if (a.shape.length !== d.shape.length || d.shape.some((n, k) => n >= 0 && a.shape[k]! >= 0 && a.shape[k] !== n)) {
        problems.push(`${kind} '${d.name}' is declared ${declaredText}, but the model file's is ${a.dtype}${shapeToString(a.shape)}`);
      }
    });
  };
  compare("input", decl.inputs, inputs);
  compare("output", decl.outputs, outputs);
  return problems;
}

export function createModelTools(options: ModelToolsOptions): ModelTools {
  let backend: InferenceBackend | undefined = typeof options.backend === "object" ? options.backend : undefined;
  const getBackend = (): InferenceBackend => {
    if (backend === undefined) backend = typeof options.backend === "function" ? options.backend() : openBackend();
    return backend;
  };
  const running = new Map<string, Promise<RunningModel>>();
  const tokenizers = new Map<string, Promise<{ loaded: LoadedModel; tokenize: Tokenize }>>();
  const held: LoadedModel[] = [];
  let closed = false;

  const cacheOf = (b: InferenceBackend) => options.cache ?? sharedModelCache(b);

  function modelDir(m: IrModel): string {
    return nodePath.dirname(nodePath.resolve(options.baseDir, m.location.file));
  }

  async function load(name: string): Promise<RunningModel> {
    const decl = options.program.models[name];
    if (decl === undefined) throw new InferenceError(`there is no model '${name}' in the IR`);
    const dir = modelDir(decl);
    const path = nodePath.resolve(dir, decl.source);
    const shown = nodePath.relative(process.cwd(), path) || path;
    if (!existsSync(path)) throw new InferenceError(`model '${name}' (${where(decl)}): the file ${shown} does not exist${/models\/build\//.test(path) ? " (build the project's models with: bash models/build.sh)" : ""}`);
    const b = getBackend();
    let loaded: LoadedModel;
    try {
      loaded = await cacheOf(b).acquire({ path, device: decl.device, properties: modelProperties(decl, dir) });
    } catch (err) {
      throw new InferenceError(`model '${name}' (${where(decl)}) could not be loaded from ${shown}: ${messageOf(err)}`);
    }
    const problems = portProblems(decl, loaded.compiled.inputs, loaded.compiled.outputs);
    if (problems.length > 0) {
      await cacheOf(b).release(loaded);
      throw new InferenceError(`model '${name}' (${where(decl)}) does not match its file ${decl.source}: ${problems.join("; ")}`);
    }
    held.push(loaded);
    const canBatch = decl.batch !== undefined && loaded.compiled.inputs.every((p) => p.shape.length >= 1 && p.shape[0]! < 0);
    // A batch runs where the pool runs a call: on the calling thread while calls
    // are cheap (a worker-thread hop costs more than a small model's batch), on
    // a worker thread once they are not, so the event loop gathers the next
    // batch meanwhile.
    const batcher = canBatch
      ? new DynamicBatcher((inputs) => loaded.pool.run(inputs), { ...decl.batch!, concurrency: loaded.pool.size }, (specs, fill) => loaded.pool.runFilled(specs, fill))
      : undefined;
    return {
      name,
      decl,
      loaded,
      batcher,
      run: (inputs) => (batcher !== undefined ? batcher.submit(inputs) : loaded.pool.run(inputs)),
    };
  }

  function model(name: string): Promise<RunningModel> {
    if (closed) return Promise.reject(new InferenceError("the model tools were closed"));
    let p = running.get(name);
    if (p === undefined) {
      p = load(name);
      running.set(name, p);
      p.catch(() => running.delete(name));
    }
    return p;
  }

  async function tokenizer(relPath: string, decl: IrModel): Promise<Tokenize> {
    const path = nodePath.resolve(modelDir(decl), relPath);
    let t = tokenizers.get(path);
    if (t === undefined) {
      t = (async () => {
        if (!existsSync(path)) throw new InferenceError(`the tokenizer ${relPath} does not exist (${path})`);
        const b = getBackend();
        b.addExtension(findTokenizersExtension(b instanceof OpenVinoCBackend ? b.install : undefined));
        let loaded: LoadedModel;
        try {
          loaded = await cacheOf(b).acquire({ path, device: "CPU", properties: {} });
        } catch (err) {
          throw new InferenceError(`the tokenizer ${relPath} could not be loaded: ${messageOf(err)}`);
        }
        held.push(loaded);
        const tokenize: Tokenize = async (texts) => {
          const out = await loaded.pool.run([{ dtype: "string", shape: [texts.length], data: texts }]);
          return new Map(loaded.compiled.outputs.map((p, i) => [p.name, out[i]!]));
        };
        return { loaded, tokenize };
      })();
      tokenizers.set(path, t);
      t.catch(() => tokenizers.delete(path));
    }
    return (await t).tokenize;
  }

  const modelTool: ModelTools["modelTool"] = async (toolName: string, tool: IrTool & { readonly binding: ModelBinding }) => {
    const b = tool.binding;
    let m: RunningModel;
    let tokenize: Tokenize | undefined;
    try {
      m = await model(b.model);
      if (b.input.kind === "tokenizer") tokenize = await tokenizer(b.input.path, m.decl);
    } catch (err) {
      throw new ToolError(`tool '${toolName}': ${messageOf(err)}`);
    }
    const inputNames = m.loaded.compiled.inputs.map((p) => p.name);
    const fn: ToolFunction = async (args, ctx) => {
      ctx.signal.throwIfAborted();
      try {
        const prepared = await prepareInputs(b.input, args[b.input.param] as Value | undefined, m.loaded.compiled.inputs, tokenize);
        const outputs = await abortable(m.run(prepared.inputs), ctx.signal);
        return finishOutput(b.output, outputs, prepared.inputs, inputNames, m.decl.labels);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        throw new ToolError(`tool '${toolName}' (model '${b.model}', ${where(m.decl)}): ${messageOf(err)}`);
      }
    };
    return fn;
  };

  return {
    modelTool,
    model,
    async close() {
      closed = true;
      for (const p of running.values()) {
        const r = await p.catch(() => undefined);
        r?.batcher?.flushAll();
      }
      const b = backend;
      if (b !== undefined) for (const l of held.splice(0)) await cacheOf(b).release(l);
      running.clear();
      tokenizers.clear();
    },
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Stops waiting when the task is cancelled or times out (the batch itself still runs). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * ModelTools made on the first model tool a run asks for, from a program that
 * is only known then (a resumed run's IR comes from the state store). Flows
 * without models never touch OpenVINO.
 */
export function lazyModelTools(source: () => Promise<{ readonly program: IrProgram; readonly baseDir: string }>): Pick<ModelTools, "modelTool" | "close"> {
  let tools: Promise<ModelTools> | undefined;
  const get = () => (tools ??= source().then(({ program, baseDir }) => createModelTools({ program, baseDir })));
  return {
    modelTool: async (name, tool, sourceDir) => (await get()).modelTool(name, tool, sourceDir),
    close: async () => {
      if (tools !== undefined) await (await tools.catch(() => undefined))?.close();
    },
  };
}
