// Sentence embeddings for agent memory's semantic recall: a tokenizer model
// (openvino_tokenizers, converted from the model's tokenizer.json) and a
// sentence-transformers encoder (all-MiniLM-L6-v2 as ONNX), mean-pooled and
// L2-normalised. Synchronous, because memory's remember/recall are: one short
// text takes a few milliseconds on a CPU.

import { existsSync } from "node:fs";
import * as path from "node:path";
import { InferenceError, type CompiledModel, type InferRequest, type InferenceBackend, type Tensor } from "./backend.ts";
import { findTokenizersExtension } from "./discover.ts";
import { openBackend } from "./open-backend.ts";
import { OpenVinoCBackend } from "./openvino-c.ts";
import { embedding } from "./postprocess.ts";
import { tokenized } from "./preprocess.ts";

export const MINILM_DIR = path.resolve(import.meta.dirname, "../../models/build/minilm");
const MODEL_FILE = "all-minilm-l6-v2.onnx";
const TOKENIZER_FILE = "tokenizer.xml";

export class TextEmbedder {
  readonly dimensions: number;
  private readonly tokenizer: CompiledModel;
  private readonly model: CompiledModel;
  private readonly tokenizerRequest: InferRequest;
  private readonly modelRequest: InferRequest;

  private constructor(tokenizer: CompiledModel, model: CompiledModel) {
    this.tokenizer = tokenizer;
    this.model = model;
    this.tokenizerRequest = tokenizer.createRequest();
    this.modelRequest = model.createRequest();
    this.dimensions = model.outputs[0]?.shape.at(-1) ?? -1;
  }

  /** Loads `all-minilm-l6-v2.onnx` and `tokenizer.xml` from a folder (default: models/build/minilm). */
  static async open(dir: string = MINILM_DIR, backend: InferenceBackend = openBackend()): Promise<TextEmbedder> {
    for (const f of [MODEL_FILE, TOKENIZER_FILE]) {
      if (!existsSync(path.join(dir, f))) throw new InferenceError(`the embedding model is not built: ${path.join(dir, f)} is missing (run bash models/build.sh)`);
    }
    backend.addExtension(findTokenizersExtension(backend instanceof OpenVinoCBackend ? backend.install : undefined));
    const tokenizer = await backend.loadModel({ path: path.join(dir, TOKENIZER_FILE), device: "CPU", properties: {} });
    const model = await backend.loadModel({ path: path.join(dir, MODEL_FILE), device: "CPU", properties: { INFERENCE_PRECISION_HINT: "f32", PERFORMANCE_HINT: "LATENCY" } });
    return new TextEmbedder(tokenizer, model);
  }

  /** The unit-length embedding of one text. */
  embed(text: string): number[] {
    const t = this.tokenizerRequest.inferSync([{ dtype: "string", shape: [1], data: [text] }]);
    const byName = new Map<string, Tensor>(this.tokenizer.outputs.map((p, i) => [p.name, t[i]!]));
    const { inputs } = tokenized(byName, this.model.inputs);
    const [hidden] = this.modelRequest.inferSync(inputs);
    return embedding(hidden!, inputs, this.model.inputs.map((p) => p.name));
  }

  close(): void {
    this.tokenizerRequest.free();
    this.modelRequest.free();
    this.tokenizer.free();
    this.model.free();
  }
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}
