// OpenVINO benchmark: this runtime's inference path (the C API through koffi,
// the request pool, the dynamic batcher, the model tool) side by side, in one
// run, with onnxruntime-node on the ONNX export of the same model and Python's
// `openvino` on the same IR, all on the same inputs: the trained ticket
// classifier (512 hashed features -> 64 -> 5) and the held-out tickets.
// See docs/benchmarks.md ("OpenVINO") for the figures.
//
//   node bench/openvino.ts [--n 20000] [--requests 100000] [--json] [--strict]

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { fork, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { compileSources } from "../compiler/compile.ts";
import type { Tensor } from "../runtime/inference/backend.ts";
import { DynamicBatcher } from "../runtime/inference/batcher.ts";
import { hashedWords } from "../runtime/inference/hashed-features.ts";
import { createModelTools } from "../runtime/inference/model-tool.ts";
import { OpenVinoCBackend } from "../runtime/inference/openvino-c.ts";
import type { ToolContext } from "../runtime/tools/tool.ts";

const REPO = path.resolve(import.meta.dirname, "..");
const BUILD = path.join(REPO, "models/build");
const DIM = 512;
const BATCH = 64;
const BATCH_WAIT_MS = 2;
/** Throughput rounds; each runs every configuration once. */
const ROUNDS = 5;

// ------------------------------------------------------------------ targets
/** Our single small inference (input in, output out) over Python's `req.infer({0: x})`, at p50. */
const TARGET_OVERHEAD = 1.1;
/** Batched over unbatched throughput at concurrency 64. */
const TARGET_BATCH_GAIN = 3;
/** Our throughput over onnxruntime-node's, best configuration of each at concurrency 64. */
const TARGET_VS_ORT = 1;

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "20000" },
    requests: { type: "string", default: "100000" },
    json: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
    /** Internal: this process measures one engine's throughput for main (see throughputChild). */
    "throughput-child": { type: "string" },
  },
});
const N = Number(args.n);
const REQUESTS = Number(args.requests);
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Latency {
  p50: number;
  p99: number;
}

function percentiles(us: number[]): Latency {
  const s = [...us].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** Per-call latency in microseconds of a synchronous call. */
function latencySync(fn: (i: number) => unknown, n: number): Latency {
  for (let i = 0; i < 2000; i++) fn(i);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    out[i] = (performance.now() - t) * 1000;
  }
  return percentiles(out);
}

async function latencyAsync(fn: (i: number) => Promise<unknown>, n: number): Promise<Latency> {
  for (let i = 0; i < 2000; i++) await fn(i);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out[i] = (performance.now() - t) * 1000;
  }
  return percentiles(out);
}

/** Requests per second with `concurrency` callers issuing `total` calls. */
async function throughput(fn: (i: number) => Promise<unknown>, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < total) await fn(next++);
  };
  // Warm up with a tenth of the calls.
  const warm = Math.max(concurrency, Math.floor(total / 10));
  next = total - warm;
  await Promise.all(Array.from({ length: concurrency }, worker));
  next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return total / ((performance.now() - t) / 1000);
}

/** The held-out tickets: their texts, their features, one row each as a tensor. */
function loadInputs() {
  const texts = readFileSync(path.join(BUILD, "test.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const rows = texts.length;
  const features = new Float32Array(rows * DIM);
  texts.forEach((t, i) => features.set(hashedWords(t, DIM), i * DIM));
  const row = (i: number) => features.subarray((i % rows) * DIM, ((i % rows) + 1) * DIM);
  const single: Tensor[][] = Array.from({ length: rows }, (_, i) => [{ dtype: "f32", shape: [1, DIM], data: row(i) }]);
  return { texts, rows, features, row, single };
}

/** The two models (unbatched, batched) and two model tools, as a flow author declares them. */
const BENCH_AIW = `
model unbatched {
  source: "models/build/text_classifier.xml"
  precision: "f32"
  labels: ["billing", "technical", "account", "shipping", "feedback"]
  input features: f32[?, ${DIM}]
  output probs: f32[?, 5]
}
model batched {
  source: "models/build/text_classifier.xml"
  precision: "f32"
  labels: ["billing", "technical", "account", "shipping", "feedback"]
  batch: ${BATCH}
  batch_wait: ${BATCH_WAIT_MS}ms
  input features: f32[?, ${DIM}]
  output probs: f32[?, 5]
}
tool classify(text: string) -> { label: string, score: number } {
  model: unbatched
  pre: hashed_words(dim: ${DIM})
  post: argmax
}
tool classify_batched(text: string) -> { label: string, score: number } {
  model: batched
  pre: hashed_words(dim: ${DIM})
  post: argmax
}
flow f(text: string) {
  task t { run: classify(text: text) }
  task u { run: classify_batched(text: text) }
}`;

function benchProgram() {
  const program = compileSources({ [path.join(REPO, "bench.aiw")]: BENCH_AIW });
  if (program.ir === undefined) throw new Error(program.diagnostics.map((d) => d.message).join("\n"));
  return program.ir;
}

function ortSession() {
  return ort.InferenceSession.create(path.join(BUILD, "text_classifier.onnx"), { executionProviders: ["cpu"], graphOptimizationLevel: "all" });
}

/** onnxruntime-node behind the same dynamic batcher as ours. */
function ortBatcherOf(session: ort.InferenceSession): DynamicBatcher {
  const ortRun = async (inputs: readonly Tensor[]): Promise<Tensor[]> => {
    const t = inputs[0]!;
    const out = (await session.run({ features: new ort.Tensor("float32", t.data as Float32Array, [...t.shape]) }))["probs"]!;
    return [{ dtype: "f32", shape: out.dims.map(Number), data: out.data as Float32Array }];
  };
  return new DynamicBatcher(ortRun, { maxSize: BATCH, maxWaitMs: BATCH_WAIT_MS });
}

/** A throughput request to an engine's process, and its answer. */
interface ThroughputAsk {
  readonly config: "unbatched" | "batched";
  readonly c: number;
  readonly total: number;
}
interface ThroughputAnswer {
  readonly rps: number;
  /** Batches run and calls they held (ours, batched). */
  readonly batches: number;
  readonly calls: number;
}

/**
 * One engine's throughput configurations, in a process of its own (forked by
 * main): engines sharing a process slowed each other (the shared batcher's
 * code optimised for both, two thread pools), which measured the mix.
 */
async function throughputChild(engine: "ov" | "ort"): Promise<void> {
  const { rows, single, row } = loadInputs();
  let configs: Record<ThroughputAsk["config"], (i: number) => Promise<unknown>>;
  let stats = (): { runs: number; calls: number } => ({ runs: 0, calls: 0 });
  let close = async (): Promise<void> => {};
  if (engine === "ov") {
    const tools = createModelTools({ program: benchProgram(), baseDir: REPO, backend: new OpenVinoCBackend() });
    const unbatched = await tools.model("unbatched");
    const batched = await tools.model("batched");
    configs = { unbatched: (i) => unbatched.run(single[i % rows]!), batched: (i) => batched.run(single[i % rows]!) };
    stats = () => ({ runs: batched.batcher!.stats.runs, calls: batched.batcher!.stats.calls });
    close = () => tools.close();
  } else {
    const session = await ortSession();
    const feeds = Array.from({ length: rows }, (_, i) => ({ features: new ort.Tensor("float32", row(i), [1, DIM]) }));
    const batcher = ortBatcherOf(session);
    configs = { unbatched: (i) => session.run(feeds[i % rows]!), batched: (i) => batcher.submit(single[i % rows]!) };
  }
  process.on("message", (m: ThroughputAsk | "exit") => {
    if (m === "exit") {
      void close().then(() => process.exit(0));
      return;
    }
    const before = stats();
    void throughput(configs[m.config], m.total, m.c).then((rps) => {
      const after = stats();
      const answer: ThroughputAnswer = { rps, batches: after.runs - before.runs, calls: after.calls - before.calls };
      process.send!(answer);
    });
  });
  process.send!("ready");
}

/** Forks an engine's throughput process; resolves once it is ready. */
async function forkEngine(engine: "ov" | "ort"): Promise<{ ask(q: ThroughputAsk): Promise<ThroughputAnswer>; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ["--throughput-child", engine], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`the ${engine} throughput process exited (code ${code})`)));
  });
  return {
    ask: (q) =>
      new Promise((resolve) => {
        child.once("message", (a) => resolve(a as ThroughputAnswer));
        child.send(q);
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.send("exit");
      }),
  };
}

async function main(): Promise<void> {
  const { texts, rows, features, single } = loadInputs();

  // ---------------------------------------------------------------- ours
  log("openvino (C API through koffi) ...");
  const backend = new OpenVinoCBackend();
  const props = { INFERENCE_PRECISION_HINT: "f32", PERFORMANCE_HINT: "LATENCY" };
  const compiled = await backend.loadModel({ path: path.join(BUILD, "text_classifier.xml"), device: "CPU", properties: props });
  const req = compiled.createRequest();
  const rawLatency = latencySync((i) => req.inferSync(single[i % rows]!)[0]!.data[0], N);

  const program = { ir: benchProgram() };
  const tools = createModelTools({ program: program.ir, baseDir: REPO, backend });
  const unbatched = await tools.model("unbatched");
  const batched = await tools.model("batched");
  const runtimeLatency = await latencyAsync((i) => unbatched.run(single[i % rows]!), N);
  const classify = await tools.modelTool("classify", program.ir.tools["classify"] as Parameters<typeof tools.modelTool>[1], REPO);
  const ctx = { signal: new AbortController().signal } as ToolContext;
  const toolLatency = await latencyAsync(async (i) => classify({ text: texts[i % rows]! }, ctx), N);

  // ---------------------------------------------------------------- onnxruntime-node
  log("onnxruntime-node ...");
  const session = await ortSession();
  const ortFeeds = Array.from({ length: rows }, (_, i) => ({ features: new ort.Tensor("float32", features.subarray(i * DIM, (i + 1) * DIM), [1, DIM]) }));
  const ortLatency = await latencyAsync(async (i) => (await session.run(ortFeeds[i % rows]!))["probs"]!.data, N);

  // Throughput: each engine in a process of its own, the configurations taking
  // turns within each round (only one runs at a time), median of the rounds,
  // so a machine busy with other work slows all of them alike.
  log("throughput (one process per engine) ...");
  const engines = { ov: await forkEngine("ov"), ort: await forkEngine("ort") };
  const samples: Record<string, number[]> = {};
  let batchesAt64 = 0;
  let callsAt64 = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of [1, 64]) {
      for (const engine of ["ov", "ort"] as const) {
        for (const config of ["unbatched", "batched"] as const) {
          const a = await engines[engine].ask({ config, c, total: Math.ceil(REQUESTS / ROUNDS) });
          (samples[`${engine} ${config} c${c}`] ??= []).push(a.rps);
          if (engine === "ov" && config === "batched" && c === 64) {
            batchesAt64 += a.batches;
            callsAt64 += a.calls;
          }
        }
      }
    }
  }
  await Promise.all([engines.ov.stop(), engines.ort.stop()]);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ours: Record<string, number> = {};
  const ortT: Record<string, number> = {};
  for (const [key, xs] of Object.entries(samples)) {
    const [engine, mode, c] = key.split(" ");
    (engine === "ov" ? ours : ortT)[`${mode} ${c}`] = median(xs);
  }
  const meanBatch = callsAt64 / Math.max(1, batchesAt64);

  // ---------------------------------------------------------------- python
  log("python openvino ...");
  const dir = mkdtempSync(path.join(os.tmpdir(), "aiw-bench-ov-"));
  writeFileSync(path.join(dir, "features.f32"), Buffer.from(features.buffer));
  const py = spawnSync(path.join(REPO, ".venv/ml/bin/python"), [path.join(REPO, "bench/openvino_python.py"), path.join(BUILD, "text_classifier.xml"), path.join(dir, "features.f32"), String(rows), String(DIM), String(N)], { encoding: "utf8" });
  if (py.status !== 0) throw new Error(`bench/openvino_python.py failed: ${py.stderr}`);
  const python = JSON.parse(py.stdout) as { version: string; latency_us: Latency; infer_only_us: Latency; rows_per_s_batch1: number; rows_per_s_batch64: number };

  req.free();
  compiled.free();
  await tools.close();

  const overhead = rawLatency.p50 / python.latency_us.p50;
  const batchGain = ours["batched c64"]! / ours["unbatched c64"]!;
  const bestOurs = Math.max(ours["batched c64"]!, ours["unbatched c64"]!);
  const bestOrt = Math.max(ortT["batched c64"]!, ortT["unbatched c64"]!);
  const vsOrt = bestOurs / bestOrt;
  const result = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, openvino: backend.version, load: os.loadavg() },
    rows,
    n: N,
    requests: REQUESTS,
    latencyUs: { ovRequest: rawLatency, ovRuntime: runtimeLatency, ovTool: toolLatency, ort: ortLatency, python: python.latency_us, pythonInferOnly: python.infer_only_us },
    throughput: { ov: ours, ort: ortT, python: { "batch 1": python.rows_per_s_batch1, "batch 64": python.rows_per_s_batch64 } },
    meanBatch,
    targets: { overhead, batchGain, vsOrt },
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const us = (l: Latency) => `${l.p50.toFixed(1)} / ${l.p99.toFixed(1)}`;
    const k = (x: number) => Math.round(x).toLocaleString("en-US");
    const lines = [
      `Machine: ${result.machine.cpus} cores, ${result.machine.model}, Node ${process.version}, OpenVINO ${backend.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
      "",
      "| single request, batch 1 | p50 / p99 (µs) |",
      "| --- | ---: |",
      `| this runtime: infer request (input in, infer, output out) | ${us(rawLatency)} |`,
      `| this runtime: model call through the request pool | ${us(runtimeLatency)} |`,
      `| this runtime: whole tool call (hashed_words + infer + argmax) | ${us(toolLatency)} |`,
      `| Python openvino: req.infer({0: x}) | ${us(python.latency_us)} |`,
      `| Python openvino: req.infer() alone | ${us(python.infer_only_us)} |`,
      `| onnxruntime-node: session.run | ${us(ortLatency)} |`,
      "",
      "| throughput (requests/s, 1 row each) | concurrency 1 | concurrency 64 |",
      "| --- | ---: | ---: |",
      `| this runtime, unbatched | ${k(ours["unbatched c1"]!)} | ${k(ours["unbatched c64"]!)} |`,
      `| this runtime, batched (batch ${BATCH}, wait ${BATCH_WAIT_MS} ms) | ${k(ours["batched c1"]!)} | ${k(ours["batched c64"]!)} |`,
      `| onnxruntime-node, unbatched | ${k(ortT["unbatched c1"]!)} | ${k(ortT["unbatched c64"]!)} |`,
      `| onnxruntime-node, batched (same batcher) | ${k(ortT["batched c1"]!)} | ${k(ortT["batched c64"]!)} |`,
      `| Python openvino, a loop (batch 1) / batch 64 (rows/s) | ${k(python.rows_per_s_batch1)} | ${k(python.rows_per_s_batch64)} (batch 64) |`,
      "",
      `Mean batch of this runtime at concurrency 64: ${meanBatch.toFixed(1)} requests. Throughput: median of ${ROUNDS} rounds of ${Math.ceil(REQUESTS / ROUNDS).toLocaleString("en-US")} requests per configuration, the configurations taking turns.`,
      `Targets: request p50 / Python's = ${overhead.toFixed(2)} (<= ${TARGET_OVERHEAD}); batched / unbatched at 64 = ${batchGain.toFixed(1)}x (>= ${TARGET_BATCH_GAIN}); ours / onnxruntime-node at 64 (best of each) = ${vsOrt.toFixed(2)}x (>= ${TARGET_VS_ORT}).`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  const missed = overhead > TARGET_OVERHEAD || batchGain < TARGET_BATCH_GAIN || vsOrt < TARGET_VS_ORT;
  if (args.strict && missed) process.exitCode = 1;
}

if (args["throughput-child"] !== undefined) await throughputChild(args["throughput-child"] === "ort" ? "ort" : "ov");
else await main();
