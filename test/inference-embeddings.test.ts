// Sentence embeddings with a real model (all-MiniLM-L6-v2, ONNX from the
// langchain4j Maven jar) and its tokenizer converted to an OpenVINO model:
// the model tool and the memory embedder match Python's openvino pipeline,
// and agent memory's semantic recall ranks a paraphrase above word overlap.

import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";
import { TextEmbedder, cosine } from "../runtime/inference/embedder.ts";
import { createModelTools, type ModelTools } from "../runtime/inference/model-tool.ts";
import { Memory } from "../runtime/memory.ts";
import { runFlow } from "../runtime/run.ts";
import { BUILD, MINILM_BUILT, MODELS_BUILT, REPO, maxAbsDiff, reference } from "./fixtures/inference/reference.ts";

const TEXTS = ["hello world", "The parcel arrived damaged, order 48213.", "Two-factor codes are not accepted when I sign in to my account.", "Unicode: café, naïve, Zürich", ""];

const SOURCE = `
model minilm {
  source: "models/build/minilm/all-minilm-l6-v2.onnx"
  precision: "f32"
  batch: 8
  batch_wait: 5ms
  input input_ids: i64[batch, tokens]
  input attention_mask: i64[batch, tokens]
  input token_type_ids: i64[batch, tokens]
  output output_0: f32[batch, tokens, 384]
}
tool embed(text: string) -> { vector: number[] } {
  model: minilm
  pre: tokenizer("models/build/minilm/tokenizer.xml")
  post: embedding
}
flow f(texts: string[]) {
  task each for t in texts { run: embed(text: t) }
}`;

describe.skipIf(!(MODELS_BUILT && MINILM_BUILT))("sentence embeddings", () => {
  let want: number[][];
  let embedder: TextEmbedder;
  const open: ModelTools[] = [];
  beforeAll(async () => {
    want = reference({ embed: { model: path.join(BUILD, "minilm/all-minilm-l6-v2.onnx"), tokenizer: path.join(BUILD, "minilm/tokenizer.xml"), texts: TEXTS } }).embed!;
    embedder = await TextEmbedder.open(path.join(BUILD, "minilm"));
  });
  afterAll(async () => {
    embedder?.close();
    for (const t of open) await t.close();
  });

  it("the embed tool (tokenizer model + MiniLM + mean pooling) matches Python's openvino within 1e-5", async () => {
    const c = compileSources({ [path.join(REPO, "flow.aiw")]: SOURCE });
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const mt = createModelTools({ program: c.ir!, baseDir: REPO });
    open.push(mt);
    const work = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-embed-")));
    const r = await runFlow(c.ir!, "f", { texts: TEXTS }, { workDir: work, baseDir: REPO, concurrency: 8, modelTool: mt.modelTool });
    expect(r.status, JSON.stringify(r.tasks)).toBe("COMPLETED");
    const got = (r.tasks["each"]!.output as { vector: number[] }[]).map((o) => o.vector);
    got.forEach((v, i) => {
      expect(v).toHaveLength(384);
      expect(maxAbsDiff(v, want[i]!)).toBeLessThan(1e-5);
    });
    // The published all-MiniLM-L6-v2 embedding of "hello world" starts -0.0345, 0.0310, 0.0067, 0.0261.
    expect(got[0]!.slice(0, 4).map((x) => Math.round(x * 1e4) / 1e4)).toEqual([-0.0345, 0.031, 0.0067, 0.0261]);
  });

  it("the memory embedder gives the same vectors", () => {
    TEXTS.forEach((t, i) => expect(maxAbsDiff(embedder.embed(t), want[i]!)).toBeLessThan(1e-5));
    expect(embedder.dimensions).toBe(384);
    expect(cosine(embedder.embed("I cannot sign in"), embedder.embed("I am locked out of my account"))).toBeGreaterThan(cosine(embedder.embed("I cannot sign in"), embedder.embed("I was billed twice in March")));
  });

  it("semantic recall ranks a paraphrase first where BM25 alone ranks shared small words", () => {
    const history = ["The password reset email never arrives and I am locked out", "I was billed twice for the Pro plan in March", "The parcel arrived damaged, order 48213", "Dark mode would be a great addition"];
    const bm25 = new Memory();
    const hybrid = new Memory(undefined, embedder);
    for (const h of history) {
      bm25.remember(h);
      hybrid.remember(h);
    }
    const query = "I cannot sign in to my profile";
    expect(bm25.recall(query, 2)[0]!.text).toBe(history[1]);
    const hits = hybrid.recall(query, 4);
    expect(hits.map((h) => h.text)).toEqual([history[0], history[1], history[2], history[3]]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    // No shared word at all: BM25 finds nothing, meaning still does.
    expect(bm25.recall("broken box delivery", 1)).toEqual([]);
    expect(hybrid.recall("broken box delivery", 1)[0]!.text).toBe(history[2]);
    // Replaying the same texts gives the same memory (resumed runs).
    const replayed = new Memory(undefined, embedder);
    for (const h of history) replayed.restore(h);
    expect(replayed.recall(query, 4)).toEqual(hits);
  });
});
