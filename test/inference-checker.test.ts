// The checker fits a model tool's pre- and post-processing to the ports its
// model declares (AIW0601), before anything runs; the runtime checks the
// model file's real ports again when it loads (test/inference.test.ts).

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";

function diagnostics(source: string): string[] {
  const c = compileSources({ [path.resolve("/virtual/m.aiw")]: source });
  return c.diagnostics.map((d) => `${d.code} ${d.message}`);
}

const flow = (tool: string, arg: string) => `flow f() { task t { run: ${tool}(${arg}) } }`;

describe("model tools against declared ports", () => {
  it("hashed_words and numbers feed one input", () => {
    expect(
      diagnostics(`
model two { source: "m.xml"
  input a: f32[?, 4]
  input b: f32[?, 4]
  output y: f32[?, 3] }
tool t(x: number[]) { model: two }
${flow("t", "x: [1, 2, 3, 4]")}`),
    ).toEqual(["AIW0601 numbers feeds one input, but model 'two' declares 2: a, b"]);
  });

  it("hashed_words needs an f32 input", () => {
    expect(
      diagnostics(`
model ids { source: "m.xml"
  input a: i64[?, 16]
  output y: f32[?, 3] }
tool t(text: string) { model: ids
  pre: hashed_words(dim: 16) }
${flow("t", 'text: "hi"')}`),
    ).toEqual(["AIW0601 hashed_words makes f32 features, but the model's input 'a' is i64"]);
  });

  it("rows of numbers cannot fill a one-dimensional input", () => {
    expect(
      diagnostics(`
model flat { source: "m.xml"
  input a: f32[4]
  output y: f32[3] }
tool t(rows: number[][]) { model: flat
  pre: numbers }
${flow("t", "rows: [[1, 2, 3, 4]]")}`),
    ).toEqual(["AIW0601 the model's input 'a' has one dimension: it takes a number[], not rows of numbers"]);
  });

  it("a tokenizer feeds token ids", () => {
    expect(
      diagnostics(`
model enc { source: "m.onnx"
  input input_ids: i64[?, ?]
  input mask: f32[?, ?]
  output h: f32[?, ?, 8] }
tool t(text: string) -> { vector: number[] } { model: enc
  pre: tokenizer("tok.xml")
  post: embedding }
${flow("t", 'text: "hi"')}`),
    ).toEqual(["AIW0601 a tokenizer gives token ids (i64), but the model's input 'mask' is f32"]);
  });

  it("argmax needs class scores and embedding a [?, hidden] or [?, tokens, hidden] output", () => {
    expect(
      diagnostics(`
model img { source: "m.xml"
  labels: ["a", "b"]
  input x: f32[?, 4]
  output y: f32[?, 7, 2] }
tool t(x: number[]) -> { label: string, score: number } { model: img
  post: argmax }
${flow("t", "x: [1, 2, 3, 4]")}`),
    ).toEqual(["AIW0601 argmax needs an output of class scores ([?, N] or [N]), but 'y' has 3 dimensions"]);
    expect(
      diagnostics(`
model vec { source: "m.xml"
  input x: f32[?, 4]
  output y: f32[8] }
tool t(x: number[]) -> { vector: number[] } { model: vec
  post: embedding }
${flow("t", "x: [1, 2, 3, 4]")}`),
    ).toEqual(["AIW0601 embedding needs an output [?, hidden] or [?, tokens, hidden], but 'y' has 1 dimensions"]);
  });

  it("the examples' model tools fit their models", () => {
    const repo = path.resolve(import.meta.dirname, "..");
    for (const f of ["support_ticket_routing.aiw", "similar_tickets.aiw"]) {
      const file = path.join(repo, "examples", f);
      const c = compileSources({ [file]: readFileSync(file, "utf8"), [path.join(repo, "examples/common.aiw")]: readFileSync(path.join(repo, "examples/common.aiw"), "utf8") }, [file]);
      expect(c.diagnostics).toEqual([]);
      expect(c.diagnostics.filter((d) => d.code === "AIW0601")).toEqual([]);
    }
  });
});

