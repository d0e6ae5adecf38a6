// Output tensors to the tool's JSON result: argmax with a label, every label's
// score, the raw tensor, or a mean-pooled, L2-normalised embedding.

import type { IrPostprocess } from "../../compiler/ir.ts";
import type { Value } from "../values.ts";
import { InferenceError, type NumericData, type Tensor } from "./backend.ts";

function numbersOf(t: Tensor): number[] {
  if (t.dtype === "string") throw new InferenceError("the model's output is a string tensor; use post: raw on a numeric output");
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

function oneRow(t: Tensor, kind: string): number[] {
  const rows = t.shape.length > 1 ? t.shape[0]! : 1;
  if (rows !== 1) throw new InferenceError(`${kind} gives one result, but the output has ${rows} rows (use post: raw for several rows)`);
  return numbersOf(t);
}

export function finishOutput(post: IrPostprocess, outputs: readonly Tensor[], inputs: readonly Tensor[], inputNames: readonly string[], labels: readonly string[] | undefined): Value {
  const out = outputs[0];
  if (out === undefined) throw new InferenceError("the model has no output");
  switch (post.kind) {
    case "raw":
      return { values: numbersOf(out), shape: [...out.shape] };
    case "argmax": {
      const row = oneRow(out, "argmax");
      const names = labelsFor(labels, row.length);
      let best = 0;
      for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
      return { label: names[best]!, score: row[best]! };
    }
    case "scores": {
      const row = oneRow(out, "scores");
      return { labels: [...labelsFor(labels, row.length)], scores: row };
    }
    case "embedding":
      return { vector: embedding(out, inputs, inputNames) };
  }
}

function labelsFor(labels: readonly string[] | undefined, n: number): readonly string[] {
  if (labels === undefined) throw new InferenceError("the model declares no labels");
  if (labels.length !== n) throw new InferenceError(`the model declares ${labels.length} labels but its output has ${n} classes`);
  return labels;
}

/**
 * [1, hidden] is normalised as it is; [1, tokens, hidden] is averaged over the
 * tokens the attention mask keeps (all when there is no mask), then normalised,
 * as sentence-transformers' mean pooling does.
 */
export function embedding(out: Tensor, inputs: readonly Tensor[], inputNames: readonly string[]): number[] {
  const data = out.data as NumericData;
  if (out.dtype === "string") throw new InferenceError("an embedding needs a numeric output");
  const values = data instanceof Float32Array || data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number | bigint>, Number);
  let vector: Float64Array;
  if (out.shape.length === 2 && out.shape[0] === 1) {
    vector = Float64Array.from(values);
  } else if (out.shape.length === 3 && out.shape[0] === 1) {
    const tokens = out.shape[1]!;
    const hidden = out.shape[2]!;
    const maskIndex = inputNames.indexOf("attention_mask");
    const mask = maskIndex >= 0 ? Array.from(inputs[maskIndex]!.data as ArrayLike<number | bigint>, Number) : undefined;
    vector = new Float64Array(hidden);
    let kept = 0;
    for (let t = 0; t < tokens; t++) {
      const w = mask === undefined ? 1 : mask[t] ?? 0;
      if (w === 0) continue;
      kept += w;
      for (let h = 0; h < hidden; h++) vector[h] = vector[h]! + values[t * hidden + h]! * w;
    }
    // sentence-transformers clamps the token count at 1e-9.
    const n = Math.max(kept, 1e-9);
    for (let h = 0; h < hidden; h++) vector[h] = vector[h]! / n;
  } else {
    throw new InferenceError(`an embedding needs an output of shape [1, hidden] or [1, tokens, hidden], not [${out.shape.join(", ")}]`);
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  // sentence-transformers' Normalize layer: x / max(||x||, 1e-12).
  norm = Math.max(Math.sqrt(norm), 1e-12);
  return Array.from(vector, (v) => v / norm);
}
