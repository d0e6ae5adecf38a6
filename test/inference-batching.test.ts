// Dynamic batching on real OpenVINO inference: 64 concurrent tasks calling the
// ticket classifier are served in a few large batches, and every task gets
// the same result as unbatched inference.

import { mkdtempSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";
import type { Tensor } from "../runtime/inference/backend.ts";
import { DynamicBatcher } from "../runtime/inference/batcher.ts";
import { hashedWords } from "../runtime/inference/hashed-features.ts";
import { createModelTools, type ModelTools } from "../runtime/inference/model-tool.ts";
import { runFlow } from "../runtime/run.ts";
import { BUILD, MODELS_BUILT, REPO, readJsonl } from "./fixtures/inference/reference.ts";

const SOURCE = `
model batched {
  source: "models/build/text_classifier.xml"
  precision: "f32"
  labels: ["billing", "technical", "account", "shipping", "feedback"]
  batch: 32
  batch_wait: 50ms
  input features: f32[?, 512]
  output probs: f32[?, 5]
}
model single {
  source: "models/build/text_classifier.xml"
  precision: "f32"
  labels: ["billing", "technical", "account", "shipping", "feedback"]
  input features: f32[?, 512]
  output probs: f32[?, 5]
}
tool classify_batched(text: string) -> { labels: string[], scores: number[] } {
  model: batched
  pre: hashed_words(dim: 512)
  post: scores
}
tool classify_single(text: string) -> { labels: string[], scores: number[] } {
  model: single
  pre: hashed_words(dim: 512)
  post: scores
}
flow run_batched(texts: string[]) {
  task each for t in texts { run: classify_batched(text: t) }
}
flow run_single(texts: string[]) {
  task each for t in texts { run: classify_single(text: t) }
}`;

describe.skipIf(!MODELS_BUILT)("dynamic batching", () => {
  const open: ModelTools[] = [];
  afterAll(async () => {
    for (const t of open) await t.close();
  });

  it("64 concurrent tasks are served in fewer, larger batches with the same results as unbatched", async () => {
    const c = compileSources({ [path.join(REPO, "flow.aiw")]: SOURCE });
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ir = c.ir!;
    const texts = readJsonl<{ text: string }>(readFileSync(path.join(BUILD, "test.jsonl"), "utf8"))
      .slice(0, 64)
      .map((r) => r.text);
    const mt = createModelTools({ program: ir, baseDir: REPO });
    open.push(mt);
    const work = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-batch-")));
    const options = { workDir: work, baseDir: REPO, concurrency: 64, modelTool: mt.modelTool };

    const batched = await runFlow(ir, "run_batched", { texts }, options);
    const single = await runFlow(ir, "run_single", { texts }, options);
    expect(batched.status).toBe("COMPLETED");
    expect(single.status).toBe("COMPLETED");

    const sizes = (await mt.model("batched")).batcher!.stats.batches;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(64);
    expect(sizes.length).toBeLessThan(64);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(sizes.length).toBeLessThanOrEqual(16);
    expect((await mt.model("single")).batcher).toBeUndefined();
    // Both declarations compile to the same cached model: one infer call per batch, plus one per unbatched task.
    expect((await mt.model("single")).loaded).toBe((await mt.model("batched")).loaded);
    expect((await mt.model("single")).loaded.pool.calls).toBe(sizes.length + 64);

    const b = batched.tasks["each"]!.output as { labels: string[]; scores: number[] }[];
    const s = single.tasks["each"]!.output as { labels: string[]; scores: number[] }[];
    let worst = 0;
    b.forEach((row, i) => {
      expect(row.labels).toEqual(s[i]!.labels);
      row.scores.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - s[i]!.scores[k]!))));
      // Same best class for every ticket.
      expect(row.scores.indexOf(Math.max(...row.scores))).toBe(s[i]!.scores.indexOf(Math.max(...s[i]!.scores)));
    });
    console.log(`batches: ${sizes.join(", ")}; largest difference batched vs unbatched: ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-6);
  });

  it("a batch goes when full, at once when the model is idle, after the running batch when busy, and never later than its wait", async () => {
    const c = compileSources({ [path.join(REPO, "flow.aiw")]: SOURCE });
    const mt = createModelTools({ program: c.ir!, baseDir: REPO });
    open.push(mt);
    const pool = (await mt.model("single")).loaded.pool;
    const row = (t: string) => [{ dtype: "f32" as const, shape: [1, 512], data: hashedWords(t, 512) }];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Real inference, then the batch stays busy a while (as a heavy model would).
    let busyMs = 0;
    const flushedAt: number[] = [];
    const t0 = performance.now();
    const run = async (inputs: readonly Tensor[]) => {
      flushedAt.push(performance.now() - t0);
      const out = await pool.run(inputs);
      await sleep(busyMs);
      return out;
    };

    const idle = new DynamicBatcher(run, { maxSize: 4, maxWaitMs: 1000 });
    const full = await Promise.all(["a", "b", "c", "d"].map((t) => idle.submit(row(t))));
    expect(full.map((o) => o[0]!.shape)).toEqual([[1, 5], [1, 5], [1, 5], [1, 5]]);
    const start = performance.now();
    await Promise.all(["e", "f"].map((t) => idle.submit(row(t))));
    expect(performance.now() - start).toBeLessThan(500); // not the 1000 ms wait
    expect(idle.stats.batches).toEqual([4, 2]);

    busyMs = 150;
    const busy = new DynamicBatcher(run, { maxSize: 8, maxWaitMs: 1000 });
    const first = busy.submit(row("g"));
    await sleep(10); // the first batch is running now
    const later = Promise.all(["h", "i"].map((t) => busy.submit(row(t))));
    await Promise.all([first, later]);
    expect(busy.stats.batches).toEqual([1, 2]);
    // The second batch went when the first one finished, not before.
    expect(flushedAt[flushedAt.length - 1]! - flushedAt[flushedAt.length - 2]!).toBeGreaterThanOrEqual(140);

    busyMs = 400;
    const bounded = new DynamicBatcher(run, { maxSize: 8, maxWaitMs: 40 });
    const slow = bounded.submit(row("j"));
    await sleep(10);
    const waited = bounded.submit(row("k"));
    await Promise.all([slow, waited]);
    // Flushed by its 40 ms wait while the first batch was still busy.
    const gap = flushedAt[flushedAt.length - 1]! - flushedAt[flushedAt.length - 2]!;
    expect(gap).toBeGreaterThanOrEqual(40);
    expect(gap).toBeLessThan(380); // not after the 400 ms batch
  });

  it("a failing batch fails its callers only; the next batch works", async () => {
    const c = compileSources({ [path.join(REPO, "flow.aiw")]: SOURCE });
    const mt = createModelTools({ program: c.ir!, baseDir: REPO });
    open.push(mt);
    const pool = (await mt.model("single")).loaded.pool;
    const batcher = new DynamicBatcher((inputs) => pool.run(inputs), { maxSize: 2, maxWaitMs: 5 });
    // Rows of the wrong width are grouped apart from good ones and fail alone.
    const bad = batcher.submit([{ dtype: "f32", shape: [1, 3], data: new Float32Array(3) }]);
    const good = batcher.submit([{ dtype: "f32", shape: [1, 512], data: hashedWords("refund please", 512) }]);
    await expect(bad).rejects.toThrow(/incompatible|shape/i);
    expect((await good)[0]!.shape).toEqual([1, 5]);
  });
});

describe("dynamic batching's input buffers", () => {
  const row = (v: number) => [{ dtype: "f32" as const, shape: [1, 2], data: new Float32Array([v, v + 0.5]) }];
  const values = (out: Tensor[]) => [...(out[0]!.data as Float32Array)];

  it("are reused by the next batch once a batch's run has ended, and every caller keeps its own rows", async () => {
    const seen: unknown[] = [];
    // Doubles each value into a new array, as a model's output is.
    const batcher = new DynamicBatcher(async (inputs) => {
      seen.push(inputs[0]!.data);
      return [{ dtype: "f32", shape: [...inputs[0]!.shape], data: (inputs[0]!.data as Float32Array).map((x) => x * 2) }];
    }, { maxSize: 2, maxWaitMs: 1000 });
    const first = await Promise.all([batcher.submit(row(1)), batcher.submit(row(2))]);
    const second = await Promise.all([batcher.submit(row(3)), batcher.submit(row(4))]);
    expect(first.map(values)).toEqual([[2, 3], [4, 5]]);
    expect(second.map(values)).toEqual([[6, 7], [8, 9]]);
    expect(seen[1]).toBe(seen[0]);
  });

  it("are not reused when the outputs share their memory, so earlier callers' rows never change", async () => {
    const seen: unknown[] = [];
    // Returns its input as its output: callers' results are views of the batch's input.
    const batcher = new DynamicBatcher(async (inputs) => {
      seen.push(inputs[0]!.data);
      return [inputs[0]!];
    }, { maxSize: 2, maxWaitMs: 1000 });
    const first = await Promise.all([batcher.submit(row(1)), batcher.submit(row(2))]);
    await Promise.all([batcher.submit(row(3)), batcher.submit(row(4))]);
    expect(first.map(values)).toEqual([[1, 1.5], [2, 2.5]]);
    expect(seen[1]).not.toBe(seen[0]);
  });
});

describe.skipIf(!MODELS_BUILT)("dynamic batching into the infer request's own input tensors", () => {
  it("gives every caller the rows unbatched inference gives, batch after batch, and a batch of the wrong shape fails only its callers", async () => {
    const c = compileSources({ [path.join(REPO, "flow.aiw")]: SOURCE });
    const mt = createModelTools({ program: c.ir!, baseDir: REPO });
    try {
      const pool = (await mt.model("single")).loaded.pool;
      const texts = ["refund please", "the app crashes", "change my password", "where is my parcel", "great service", "charged twice"];
      const expected = await Promise.all(texts.map(async (t) => [...((await pool.run([{ dtype: "f32", shape: [1, 512], data: hashedWords(t, 512) }]))[0]!.data as Float32Array)]));
      let filled = 0;
      const batcher = new DynamicBatcher((inputs) => pool.run(inputs), { maxSize: 3, maxWaitMs: 1000 }, (specs, fill) => {
        filled++;
        return pool.runFilled(specs, fill);
      });
      const submit = (t: string) => batcher.submit([{ dtype: "f32", shape: [1, 512], data: hashedWords(t, 512) }]);
      const got = [...(await Promise.all(texts.slice(0, 3).map(submit))), ...(await Promise.all(texts.slice(3).map(submit)))];
      expect(filled).toBe(2);
      got.forEach((out, i) => {
        const row = [...(out[0]!.data as Float32Array)];
        row.forEach((x, k) => expect(x).toBeCloseTo(expected[i]![k]!, 6));
      });
      const wrong = () => batcher.submit([{ dtype: "f32", shape: [1, 3], data: new Float32Array(3) }]);
      const bad = await Promise.allSettled([wrong(), wrong(), wrong()]);
      expect(bad.every((r) => r.status === "rejected")).toBe(true);
      const again = await Promise.all(texts.slice(0, 3).map(submit));
      expect([...(again[1]![0]!.data as Float32Array)].map((x) => Number(x.toFixed(5)))).toEqual(expected[1]!.map((x) => Number(x.toFixed(5))));
    } finally {
      await mt.close();
    }
  });
});
