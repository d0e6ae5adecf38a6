// Real OpenVINO inference through the C API backend (koffi), compared with the
// Python `openvino` API on the same inputs; hashed features compared with the
// training script's; bad models and inputs fail only their own task, with
// their location; loading and freeing models in a loop keeps RSS bounded.
// Needs `bash models/build.sh` (run by scripts/setup.sh).

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";
import type { IrProgram } from "../compiler/ir.ts";
import { RuntimeMissingError, type Tensor } from "../runtime/inference/backend.ts";
import { findOpenVino, LIB_ENV } from "../runtime/inference/discover.ts";
import { hashedWords } from "../runtime/inference/hashed-features.ts";
import { ModelCache } from "../runtime/inference/model-cache.ts";
import { createModelTools } from "../runtime/inference/model-tool.ts";
import { OpenVinoCBackend, parseElementTypeEnum } from "../runtime/inference/openvino-c.ts";
import { OpenVinoNodeBackend } from "../runtime/inference/openvino-node.ts";
import { runFlow } from "../runtime/run.ts";
import { BUILD, MODELS_BUILT, MUST_HAVE_MODELS, REPO, maxAbsDiff, readJsonl, reference } from "./fixtures/inference/reference.ts";

const F32 = { INFERENCE_PRECISION_HINT: "f32" };
const TOL = 1e-5;

it("the models are built when running in CI (bash models/build.sh)", () => {
  if (MUST_HAVE_MODELS) expect(MODELS_BUILT).toBe(true);
});

function compileFlow(source: string, file = path.join(REPO, "flow.aiw")): IrProgram {
  const c = compileSources({ [file]: source });
  const errors = c.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || c.ir === undefined) throw new Error(errors.map((d) => d.message).join("\n"));
  return c.ir;
}

/** global.gc even when node was not started with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function workDir(): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-infer-")));
}

describe("discovery", () => {
  it("a missing runtime is one error that says how to install it", () => {
    const empty = workDir();
    expect(() => findOpenVino({ [LIB_ENV]: empty })).toThrow(RuntimeMissingError);
    expect(() => findOpenVino({ [LIB_ENV]: empty })).toThrow(/AIW_OPENVINO_LIB.*bash scripts\/setup-openvino\.sh/);
    // No variable and no project venv: it says where it looked.
    expect(() => findOpenVino({}, empty)).toThrow(/AIW_OPENVINO_LIB is not set; looked in .*\.venv\/ml.*bash scripts\/setup-openvino\.sh/);
  });

  it("aiwc run with no runtime: the model task fails with the one install message, exit 1", () => {
    const work = workDir();
    const r = spawnSync(process.execPath, [path.join(REPO, "bin/aiwc.js"), "run", "examples/support_ticket_routing.aiw", "--input", "ticket=refund please", "--work-dir", work, "--state", path.join(work, "s.db")], {
      cwd: REPO,
      env: { ...process.env, [LIB_ENV]: work, NO_COLOR: "1" },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/tool 'classify_ticket': the OpenVINO runtime was not found: AIW_OPENVINO_LIB=.* holds no libopenvino_c\.so\.\*; set AIW_OPENVINO_LIB to libopenvino_c\.so\.\* .*or install the pinned openvino wheel into the project's environment with: bash scripts\/setup-openvino\.sh/);
  });

  it("reads the element type enum from the C header", () => {
    const header = "typedef enum {\n  DYNAMIC = 0U,  //!< x\n  BOOLEAN,\n  BF16, /* y */\n  F32 = 4U,\n  I64,\n} ov_element_type_e;";
    expect(parseElementTypeEnum(header)).toEqual(["DYNAMIC", "BOOLEAN", "BF16", undefined, "F32", "I64"]);
  });
});

describe.skipIf(!MODELS_BUILT)("OpenVINO C API backend", () => {
  let backend: OpenVinoCBackend;
  beforeAll(() => {
    backend = new OpenVinoCBackend();
  });

  it("finds the runtime in the project's environment and lists the CPU", () => {
    expect(backend.version).toMatch(/^2026\.4\.1/);
    expect(backend.devices()).toContain("CPU");
  });

  it("hashed_words gives exactly the training script's features on all 4,500 texts", () => {
    const rows = [...readJsonl<{ text: string }>(readFileSync(path.join(BUILD, "train.jsonl"), "utf8")), ...readJsonl<{ text: string }>(readFileSync(path.join(BUILD, "test.jsonl"), "utf8"))];
    const extra = ["", "   ", "!!!", "Ünïcödé café ÀÉÎ", "KELVIN \u212a sign", "İstanbul", "tab\tand\nnewline", "x".repeat(5000), "😀 emoji 123abc"];
    const texts = [...rows.map((r) => r.text), ...extra];
    const want = reference({ features: { texts, dim: 512 } }).features!;
    const mismatched = texts.filter((t, i) => {
      const got = hashedWords(t, 512);
      return got.some((v, k) => v !== want[i]![k]);
    });
    expect(mismatched).toEqual([]);
    // Other dimensions too.
    const want7 = reference({ features: { texts: extra, dim: 7 } }).features!;
    extra.forEach((t, i) => expect(Array.from(hashedWords(t, 7))).toEqual(want7[i]));
  });

  it("the tiny model's outputs match Python's openvino within 1e-5 (batch 1 and 5)", async () => {
    const m = await backend.loadModel({ path: path.join(BUILD, "test/tiny.xml"), device: "CPU", properties: F32 });
    const req = m.createRequest();
    const x1 = [0.5, -1, 2, 0.25];
    const x5 = Array.from({ length: 20 }, (_, i) => Math.sin(i) * 3);
    const ref = reference({
      infer: [
        { model: path.join(BUILD, "test/tiny.xml"), inputs: [{ dtype: "f32", shape: [1, 4], data: x1 }], properties: F32 },
        { model: path.join(BUILD, "test/tiny.xml"), inputs: [{ dtype: "f32", shape: [5, 4], data: x5 }], properties: F32 },
      ],
    }).infer!;
    const [a] = req.inferSync([{ dtype: "f32", shape: [1, 4], data: Float32Array.from(x1) }]);
    const [b] = await req.infer([{ dtype: "f32", shape: [5, 4], data: Float32Array.from(x5) }]);
    expect(a!.shape).toEqual(ref[0]![0]!.shape);
    expect(b!.shape).toEqual([5, 3]);
    expect(maxAbsDiff(a!.data as Float32Array, ref[0]![0]!.data)).toBeLessThan(TOL);
    expect(maxAbsDiff(b!.data as Float32Array, ref[1]![0]!.data)).toBeLessThan(TOL);
    req.free();
    m.free();
  });

  it("the text classifier (IR and ONNX) matches Python's openvino on 200 held-out tickets", async () => {
    const tests = readJsonl<{ text: string; label: string }>(readFileSync(path.join(BUILD, "test.jsonl"), "utf8")).slice(0, 200);
    const x = new Float32Array(200 * 512);
    tests.forEach((t, i) => x.set(hashedWords(t.text, 512), i * 512));
    const data = Array.from(x);
    for (const file of ["text_classifier.xml", "text_classifier.onnx"]) {
      const m = await backend.loadModel({ path: path.join(BUILD, file), device: "CPU", properties: F32 });
      expect(m.inputs).toEqual([{ name: "features", dtype: "f32", shape: [-1, 512] }]);
      expect(m.outputs).toEqual([{ name: "probs", dtype: "f32", shape: [-1, 5] }]);
      const ref = reference({ infer: [{ model: path.join(BUILD, file), inputs: [{ dtype: "f32", shape: [200, 512], data }], properties: F32 }] }).infer![0]![0]!;
      const req = m.createRequest();
      const [out] = req.inferSync([{ dtype: "f32", shape: [200, 512], data: x }]);
      expect(out!.shape).toEqual([200, 5]);
      expect(maxAbsDiff(out!.data as Float32Array, ref.data)).toBeLessThan(TOL);
      // Row by row (batch 1) gives the same as Python's batch.
      let worst = 0;
      for (let i = 0; i < 20; i++) {
        const [one] = req.inferSync([{ dtype: "f32", shape: [1, 512], data: x.subarray(i * 512, (i + 1) * 512) }]);
        worst = Math.max(worst, maxAbsDiff(one!.data as Float32Array, ref.data.slice(i * 5, i * 5 + 5)));
      }
      expect(worst).toBeLessThan(TOL);
      req.free();
      m.free();
    }
  });

  it("one request alternating batch sizes gives each call its own right outputs", async () => {
    const m = await backend.loadModel({ path: path.join(BUILD, "test/tiny.xml"), device: "CPU", properties: F32 });
    const req = m.createRequest();
    const sizes = [1, 5, 1, 3, 5, 5, 2, 1, 9, 3, 1];
    const inputs = sizes.map((n, k) => Array.from({ length: n * 4 }, (_, i) => Math.cos(i + k * 7)));
    const ref = reference({ infer: inputs.map((x, k) => ({ model: path.join(BUILD, "test/tiny.xml"), inputs: [{ dtype: "f32", shape: [sizes[k]!, 4], data: x }], properties: F32 })) }).infer!;
    inputs.forEach((x, k) => {
      const [out] = req.inferSync([{ dtype: "f32", shape: [sizes[k]!, 4], data: Float32Array.from(x) }]);
      expect(out!.shape).toEqual([sizes[k], 3]);
      expect(maxAbsDiff(out!.data as Float32Array, ref[k]![0]!.data)).toBeLessThan(TOL);
    });
    req.free();
    m.free();
  });

  it("i64 inputs: numbers fed to an integer model", async () => {
    const m = await backend.loadModel({ path: path.join(BUILD, "test/counts.xml"), device: "CPU", properties: {} });
    const req = m.createRequest();
    const [out] = req.inferSync([{ dtype: "i64", shape: [2, 3], data: BigInt64Array.from([1n, 2n, 3n, 10n, 20n, 30n]) }]);
    expect(Array.from(out!.data as Float32Array)).toEqual([6, 60]);
    req.free();
    m.free();
  });

  it("a wrong-shaped tensor is an error, not a crash", async () => {
    const m = await backend.loadModel({ path: path.join(BUILD, "test/tiny.xml"), device: "CPU", properties: {} });
    const req = m.createRequest();
    expect(() => req.inferSync([{ dtype: "f32", shape: [1, 5], data: new Float32Array(5) }])).toThrow(/incompatible|shape/i);
    // The request still works afterwards.
    expect(req.inferSync([{ dtype: "f32", shape: [1, 4], data: new Float32Array(4) }])[0]!.shape).toEqual([1, 3]);
    req.free();
    m.free();
  });

  it("a missing or corrupt model file is an InferenceError with OpenVINO's reason", async () => {
    const dir = workDir();
    await expect(backend.loadModel({ path: path.join(dir, "nope.xml"), device: "CPU", properties: {} })).rejects.toThrow(/reading the model .*nope\.xml.*Could not open the file/);
    writeFileSync(path.join(dir, "bad.xml"), "<net><layers><layer id='0' type='Nonsense'/></net>");
    await expect(backend.loadModel({ path: path.join(dir, "bad.xml"), device: "CPU", properties: {} })).rejects.toThrow(/OpenVINO failed reading the model .*bad\.xml/);
    writeFileSync(path.join(dir, "bad.onnx"), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    await expect(backend.loadModel({ path: path.join(dir, "bad.onnx"), device: "CPU", properties: {} })).rejects.toThrow(/OpenVINO failed reading the model .*bad\.onnx/);
    // IR whose weights file is truncated.
    copyFileSync(path.join(BUILD, "text_classifier.xml"), path.join(dir, "cut.xml"));
    writeFileSync(path.join(dir, "cut.bin"), readFileSync(path.join(BUILD, "text_classifier.bin")).subarray(0, 1000));
    await expect(backend.loadModel({ path: path.join(dir, "cut.xml"), device: "CPU", properties: {} })).rejects.toThrow(/OpenVINO failed reading the model .*cut\.xml/);
  });

  it("loading, running and freeing a model 200 times does not grow RSS", async () => {
    const cache = new ModelCache(backend);
    const opts = { path: path.join(BUILD, "text_classifier.xml"), device: "CPU", properties: F32 };
    const x: Tensor = { dtype: "f32", shape: [4, 512], data: new Float32Array(4 * 512).fill(0.01) };
    const cycle = async () => {
      const m = await cache.acquire(opts);
      await m.pool.run([x]);
      await cache.release(m);
    };
    const gc = exposeGc();
    const rss = () => {
      gc();
      return process.memoryUsage().rss / 2 ** 20;
    };
    for (let i = 0; i < 25; i++) await cycle();
    const samples: number[] = [];
    for (let i = 1; i <= 200; i++) {
      await cycle();
      if (i % 25 === 0) samples.push(rss());
    }
    expect(cache.size).toBe(0);
    const grown = samples[samples.length - 1]! - Math.min(...samples);
    console.log(`RSS (MiB) every 25 load/run/free cycles: ${samples.map((s) => s.toFixed(0)).join(" ")}`);
    // Leaving one compiled model unfreed per cycle grows RSS ~0.7 MiB a cycle here (~120 MiB over this loop).
    expect(grown).toBeLessThan(16);
  });
});

describe.skipIf(!MODELS_BUILT)("unloading a model while calls are queued", () => {
  it("lets every call made before the unload finish before the model is freed, each with its own result", async () => {
    const cache = new ModelCache(new OpenVinoCBackend());
    const opts = { path: path.join(BUILD, "text_classifier.xml"), device: "CPU", properties: { ...F32, PERFORMANCE_HINT: "LATENCY" } };
    const m = await cache.acquire(opts, 1);
    const texts = ["refund please", "the app crashes", "change my password"];
    const row = (t: string): Tensor[] => [{ dtype: "f32", shape: [1, 512], data: hashedWords(t, 512) }];
    const alone = await Promise.all(texts.map(async (t) => [...((await m.pool.run(row(t), "sync"))[0]!.data as Float32Array)]));
    const order: string[] = [];
    // One request, on a worker thread: the second and third calls wait for it.
    const calls = texts.map((t, i) => m.pool.run(row(t), "async").then((out) => (order.push(`call ${i}`), [...(out[0]!.data as Float32Array)])));
    const released = cache.release(m).then(() => order.push("released"));
    const results = await Promise.all(calls);
    await released;
    // The pool is given back its request (and the model freed) in the same turn as the last call's result, so only the first two are known to come before.
    expect(order.slice(0, 2)).toEqual(["call 0", "call 1"]);
    expect(order).toHaveLength(4);
    expect(results).toEqual(alone);
    await expect(m.pool.run(row("late"))).rejects.toThrow("the model was unloaded");
  });
});

describe.skipIf(!MODELS_BUILT)("model tools in flows", () => {
  const source = (extra = "") => `
model tiny {
  source: "models/build/test/tiny.xml"
  precision: "f32"
  input x: f32[?, 4]
  output y: f32[?, 3]
}
model tiny_labelled {
  source: "models/build/test/tiny.xml"
  precision: "f32"
  labels: ["a", "b", "c"]
  input x: f32[?, 4]
  output y: f32[?, 3]
}
tool score(x: number[]) { model: tiny }
tool pick(x: number[]) -> { label: string, score: number } {
  model: tiny_labelled
  post: argmax
}
tool all_scores(x: number[]) -> { labels: string[], scores: number[] } {
  model: tiny_labelled
  post: scores
}
${extra}`;
  const tools: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const t of tools) await t.close();
  });

  async function run(src: string, inputs: Record<string, unknown> = {}, concurrency = 8) {
    const ir = compileFlow(src);
    const mt = createModelTools({ program: ir, baseDir: REPO });
    tools.push(mt);
    return runFlow(ir, Object.keys(ir.flows)[0]!, inputs, { workDir: workDir(), baseDir: REPO, concurrency, modelTool: mt.modelTool });
  }

  it("raw, argmax and scores match Python's openvino", async () => {
    const x = [0.5, -1, 2, 0.25];
    const r = await run(
      source(`flow f(x: number[]) {
        task raw { run: score(x: x) }
        task best { run: pick(x: x) }
        task every { run: all_scores(x: x) }
      }`),
      { x },
    );
    expect(r.status, JSON.stringify(r.tasks)).toBe("COMPLETED");
    const ref = reference({ infer: [{ model: path.join(BUILD, "test/tiny.xml"), inputs: [{ dtype: "f32", shape: [1, 4], data: x }], properties: F32 }] }).infer![0]![0]!;
    const raw = r.tasks["raw"]!.output as { values: number[]; shape: number[] };
    expect(raw.shape).toEqual([1, 3]);
    expect(maxAbsDiff(raw.values, ref.data)).toBeLessThan(TOL);
    const best = ref.data.indexOf(Math.max(...ref.data));
    expect(r.tasks["best"]!.output).toEqual({ label: ["a", "b", "c"][best], score: raw.values[best] });
    expect(r.tasks["every"]!.output).toEqual({ labels: ["a", "b", "c"], scores: raw.values });
  });

  it("a wrong-sized input fails only its task, with the tool, the model and where it was declared", async () => {
    const r = await run(
      source(`flow f() {
        task bad { run: score(x: [1, 2, 3]) }
        task good { run: score(x: [1, 2, 3, 4]) }
      }`),
    );
    expect(r.status).toBe("FAILED");
    expect(r.tasks["good"]!.state).toBe("COMPLETED");
    expect(r.tasks["bad"]!.state).toBe("FAILED");
    expect(r.tasks["bad"]!.error).toBe("tool 'score' (model 'tiny', flow.aiw:2:7): the input 'x' is [?, 4], so each row takes 4 numbers; 'x' has 3");
  });

  it("a missing model file fails only the tasks that use it, saying which file", async () => {
    const r = await run(`
model gone {
  source: "models/build/test/does_not_exist.xml"
  input x: f32[?, 4]
  output y: f32[?, 3]
}
tool lost(x: number[]) { model: gone }
${source(`flow f() {
  task bad { run: lost(x: [1, 2, 3, 4]) }
  task good { run: score(x: [1, 2, 3, 4]) }
}`)}`);
    expect(r.tasks["good"]!.state).toBe("COMPLETED");
    expect(r.tasks["bad"]!.state).toBe("FAILED");
    expect(r.tasks["bad"]!.error).toBe("tool 'lost': model 'gone' (flow.aiw:2:7): the file models/build/test/does_not_exist.xml does not exist (build the project's models with: bash models/build.sh)");
  });

  it("a corrupt model file fails only its task", async () => {
    const dir = workDir();
    writeFileSync(path.join(dir, "broken.xml"), "<?xml version='1.0'?><net name='x' version='11'><layers><layer id='0'");
    const file = path.join(dir, "flow.aiw");
    const ir = compileFlow(
      `model broken {
  source: "broken.xml"
  input x: f32[?, 4]
  output y: f32[?, 3]
}
tool b(x: number[]) { model: broken }
flow f() {
  task bad { run: b(x: [1, 2, 3, 4]) }
  task fine { run: 1 + 1 }
}`,
      file,
    );
    const mt = createModelTools({ program: ir, baseDir: dir });
    tools.push(mt);
    const r = await runFlow(ir, "f", {}, { workDir: dir, baseDir: dir, modelTool: mt.modelTool });
    expect(r.tasks["fine"]!.state).toBe("COMPLETED");
    expect(r.tasks["bad"]!.error).toMatch(/^tool 'b': model 'broken' \(.*flow\.aiw:1:7\) could not be loaded from .*broken\.xml: OpenVINO failed reading the model/);
  });

  it("the runtime checks the declared ports against the model file", async () => {
    const r = await run(`
model liar {
  source: "models/build/test/tiny.xml"
  input x: f32[?, 8]
  output probs: f32[?, 3]
}
tool l(x: number[]) { model: liar }
flow f() { task t { run: l(x: [1, 2, 3, 4, 5, 6, 7, 8]) } }`);
    expect(r.tasks["t"]!.error).toBe(
      "tool 'l': model 'liar' (flow.aiw:2:7) does not match its file models/build/test/tiny.xml: input 'x' is declared f32[?, 8], but the model file's is f32[?, 4]; the model file has no output 'probs' (it has output y: f32[?, 3])",
    );
  });

  it("a static-shape model rejects another batch size with its shape", async () => {
    const r = await run(`
model two {
  source: "models/build/test/static.xml"
  input x: f32[2, 4]
  output y: f32[2, 3]
}
tool t2(x: number[][]) {
  model: two
  pre: numbers
}
flow f() {
  task ok { run: t2(x: [[1, 2, 3, 4], [0, 0, 0, 1]]) }
  task bad { run: t2(x: [[1, 2, 3, 4]]) }
}`);
    expect(r.tasks["ok"]!.state).toBe("COMPLETED");
    expect((r.tasks["ok"]!.output as { shape: number[] }).shape).toEqual([2, 3]);
    expect(r.tasks["bad"]!.error).toMatch(/the input 'x' is \[2, 4\]: it takes 2 row\(s\), 'x' has 1$/);
  });

  it("with no OpenVINO runtime a model task fails with the one install message, other tasks run", async () => {
    const ir = compileFlow(source(`flow f() {
      task m { run: score(x: [1, 2, 3, 4]) }
      task other { run: "fine" }
    }`));
    const mt = createModelTools({
      program: ir,
      baseDir: REPO,
      backend: () => new OpenVinoCBackend(findOpenVino({ [LIB_ENV]: workDir() })),
    });
    tools.push(mt);
    const r = await runFlow(ir, "f", {}, { workDir: workDir(), baseDir: REPO, modelTool: mt.modelTool });
    expect(r.tasks["other"]!.state).toBe("COMPLETED");
    expect(r.tasks["m"]!.error).toMatch(/^tool 'score': the OpenVINO runtime was not found: AIW_OPENVINO_LIB=.* holds no libopenvino_c\.so\.\*; set AIW_OPENVINO_LIB .* bash scripts\/setup-openvino\.sh$/);
  });

  it("the ticket classifier tool agrees with Python on held-out tickets (hashed_words + argmax)", async () => {
    const tests = readJsonl<{ text: string; label: string }>(readFileSync(path.join(BUILD, "test.jsonl"), "utf8")).slice(0, 30);
    const ir = compileFlow(`
model clf {
  source: "models/build/text_classifier.xml"
  precision: "f32"
  labels: ["billing", "technical", "account", "shipping", "feedback"]
  input features: f32[?, 512]
  output probs: f32[?, 5]
}
tool classify(text: string) -> { label: string, score: number } {
  model: clf
  pre: hashed_words(dim: 512)
  post: argmax
}
flow f(texts: string[]) {
  task each for t in texts { run: classify(text: t) }
}`);
    const mt = createModelTools({ program: ir, baseDir: REPO });
    tools.push(mt);
    const r = await runFlow(ir, "f", { texts: tests.map((t) => t.text) }, { workDir: workDir(), baseDir: REPO, modelTool: mt.modelTool });
    expect(r.status).toBe("COMPLETED");
    const got = r.tasks["each"]!.output as { label: string; score: number }[];
    const data = tests.flatMap((t) => Array.from(hashedWords(t.text, 512)));
    const ref = reference({ infer: [{ model: path.join(BUILD, "text_classifier.xml"), inputs: [{ dtype: "f32", shape: [tests.length, 512], data }], properties: F32 }] }).infer![0]![0]!;
    const labels = ["billing", "technical", "account", "shipping", "feedback"];
    got.forEach((g, i) => {
      const row = ref.data.slice(i * 5, i * 5 + 5);
      const best = row.indexOf(Math.max(...row));
      expect(g.label).toBe(labels[best]);
      expect(Math.abs(g.score - row[best]!)).toBeLessThan(TOL);
    });
    // The model is good at its job: most held-out tickets get their true label.
    expect(got.filter((g, i) => g.label === tests[i]!.label).length).toBeGreaterThanOrEqual(25);
  });
});

// openvino-node is optional (its install downloads its runtime): where it is
// installed, it must agree with the C API backend on the same model.
const nodeBackend = (() => {
  try {
    return new OpenVinoNodeBackend();
  } catch {
    return undefined;
  }
})();

describe.skipIf(!MODELS_BUILT || nodeBackend === undefined)("openvino-node backend (when installed)", () => {
  it("gives the C API backend's outputs on the tiny model", async () => {
    const x: Tensor = { dtype: "f32", shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)) };
    const viaNode = await nodeBackend!.loadModel({ path: path.join(BUILD, "test/tiny.xml"), device: "CPU", properties: F32 });
    const viaC = await new OpenVinoCBackend().loadModel({ path: path.join(BUILD, "test/tiny.xml"), device: "CPU", properties: F32 });
    expect(viaNode.inputs).toEqual(viaC.inputs);
    const [a] = await viaNode.createRequest().infer([x]);
    const [b] = viaC.createRequest().inferSync([x]);
    expect(a!.shape).toEqual(b!.shape);
    expect(maxAbsDiff(a!.data as Float32Array, b!.data as Float32Array)).toBeLessThan(TOL);
  });
});
