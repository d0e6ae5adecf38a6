// Compiled models cached per process: one compile per (file, device,
// properties), shared by every tool and run that uses it, with a pool of infer
// requests. Reference counted: the last release frees the requests and the
// compiled model. (OpenVINO's own CACHE_DIR keeps compiled blobs between processes.)

import { statSync } from "node:fs";
import type { CompiledModel, InferenceBackend, LoadOptions } from "./backend.ts";
import { InferRequestPool, type InferMode } from "./request-pool.ts";

export interface LoadedModel {
  readonly key: string;
  readonly compiled: CompiledModel;
  readonly pool: InferRequestPool;
}

interface Entry {
  readonly promise: Promise<LoadedModel>;
  refs: number;
}

export class ModelCache {
  private readonly backend: InferenceBackend;
  private readonly entries = new Map<string, Entry>();
  private readonly mode: InferMode;

  constructor(backend: InferenceBackend, mode: InferMode = "auto") {
    this.backend = backend;
    this.mode = mode;
  }

  /** The file's identity is part of the key, so a rebuilt model file is read again. */
  private keyOf(options: LoadOptions): string {
    let stamp = "";
    try {
      const st = statSync(options.path);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      // missing: loadModel reports it
    }
    const props = Object.keys(options.properties)
      .sort()
      .map((k) => `${k}=${options.properties[k]}`)
      .join(",");
    return `${options.path}|${stamp}|${options.device}|${props}`;
  }

  /** A loaded model; call release() on it once per acquire. */
  async acquire(options: LoadOptions, requests?: number): Promise<LoadedModel> {
    const key = this.keyOf(options);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const promise = this.backend.loadModel(options).then((compiled) => ({ key, compiled, pool: new InferRequestPool(compiled, requests ?? compiled.optimalRequests, this.mode) }));
      entry = { promise, refs: 0 };
      this.entries.set(key, entry);
      const e = entry;
      promise.catch(() => {
        if (this.entries.get(key) === e) this.entries.delete(key);
      });
    }
    entry.refs++;
    try {
      return await entry.promise;
    } catch (err) {
      entry.refs--;
      throw err;
    }
  }

  async release(model: LoadedModel): Promise<void> {
    const entry = this.entries.get(model.key);
    if (entry === undefined) return;
    entry.refs--;
    if (entry.refs > 0) return;
    this.entries.delete(model.key);
    await model.pool.close();
    model.compiled.free();
  }

  get size(): number {
    return this.entries.size;
  }
}
