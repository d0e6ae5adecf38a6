// A pool of infer requests over one compiled model. A call takes a free
// request (or waits for one), runs it and gives it back. Cheap models run on
// the calling thread (an FFI round trip costs microseconds, a worker-thread
// hop tens of them); a model whose calls take longer than SYNC_BELOW_MS runs
// on worker threads, so the event loop keeps serving other tasks meanwhile and
// several requests can use OpenVINO's streams at once.

import { elementCount, typedArrayFor, type CompiledModel, type InferRequest, type NumericData, type Tensor, type TensorSpec } from "./backend.ts";

/** Calls shorter than this (moving average) stay on the calling thread. */
export const SYNC_BELOW_MS = 0.5;

export type InferMode = "auto" | "sync" | "async";

export class InferRequestPool {
  readonly size: number;
  private readonly compiled: CompiledModel;
  private readonly free: InferRequest[] = [];
  private readonly all: InferRequest[] = [];
  private readonly waiting: ((r: InferRequest) => void)[] = [];
  private readonly mode: InferMode;
  /** Moving average of one call's duration, ms; undefined until measured. */
  private averageMs: number | undefined;
  private closed = false;
  /** Requests handed out and not given back yet (a hand-over to a waiting caller keeps one out). */
  private outstanding = 0;
  private drained: (() => void) | undefined;
  /** Calls made, for tests and benchmarks. */
  calls = 0;

  constructor(compiled: CompiledModel, size: number = compiled.optimalRequests, mode: InferMode = "auto") {
    this.compiled = compiled;
    this.size = Math.max(1, size);
    this.mode = mode;
  }

  private take(): InferRequest | Promise<InferRequest> {
    if (this.closed) throw new Error("the model was unloaded");
    const r = this.free.pop();
    if (r !== undefined) {
      this.outstanding++;
      return r;
    }
    if (this.all.length < this.size) {
      const created = this.compiled.createRequest();
      this.all.push(created);
      this.outstanding++;
      return created;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(r: InferRequest): void {
    // Handed straight to the next caller (also after close: calls made before
    // it still run): the request stays out, so close() still waits for it.
    const next = this.waiting.shift();
    if (next !== undefined) return next(r);
    this.outstanding--;
    if (this.closed) r.free();
    else this.free.push(r);
    if (this.closed && this.outstanding === 0) this.drained?.();
  }

  private useSync(mode: InferMode): boolean {
    if (mode !== "auto") return mode === "sync";
    return this.averageMs === undefined || this.averageMs < SYNC_BELOW_MS;
  }

  /** `mode` overrides the pool's for one call. */
  async run(inputs: readonly Tensor[], mode: InferMode = this.mode): Promise<Tensor[]> {
    const taken = this.take();
    return this.runOn(taken instanceof Promise ? await taken : taken, inputs, mode);
  }

  /**
   * Runs inputs of these types and shapes that `fill` writes: into the
   * request's own input arrays where the backend offers them (then they are
   * not copied again), else into new ones. The dynamic batcher gathers a
   * batch this way.
   */
  async runFilled(specs: readonly TensorSpec[], fill: (arrays: readonly NumericData[]) => void, mode: InferMode = this.mode): Promise<Tensor[]> {
    const taken = this.take();
    const req = taken instanceof Promise ? await taken : taken;
    let arrays: NumericData[];
    try {
      arrays = req.inputArrays !== undefined ? req.inputArrays(specs) : specs.map((s) => typedArrayFor(s.dtype, elementCount(s.shape)));
      fill(arrays);
    } catch (err) {
      this.give(req);
      throw err;
    }
    return this.runOn(req, specs.map((s, i) => ({ dtype: s.dtype, shape: s.shape, data: arrays[i]! })), mode);
  }

  private async runOn(req: InferRequest, inputs: readonly Tensor[], mode: InferMode): Promise<Tensor[]> {
    this.calls++;
    const start = performance.now();
    try {
      const sync = this.useSync(mode);
      const out = sync ? req.inferSync(inputs) : await req.infer(inputs);
      const ms = performance.now() - start;
      this.averageMs = this.averageMs === undefined ? ms : this.averageMs * 0.8 + ms * 0.2;
      return out;
    } finally {
      this.give(req);
    }
  }

  /**
   * Frees every request, those in use when they come back; resolves when all
   * are freed (then the caller may free the compiled model).
   */
  close(): Promise<void> {
    this.closed = true;
    for (const r of this.free) r.free();
    this.free.length = 0;
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }
}
