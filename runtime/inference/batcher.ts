// Dynamic batching: concurrent calls to the same model are gathered into one
// batch along the first dimension, run once, and each caller gets its own rows
// back. A batch goes when it holds maxSize rows; or, when the model is idle,
// as soon as the calls made in the same turn of the event loop are in; or,
// while the model is busy, when a running batch finishes; and never later than
// maxWaitMs after its first call. So a lone caller is not kept waiting, and
// callers arriving while a batch computes form the next one. Calls whose inputs
// differ beyond the first dimension (e.g. token sequences of other lengths) go
// in separate batches.

import { InferenceError, elementCount, typedArrayFor, type NumericData, type Tensor, type TensorSpec } from "./backend.ts";

export interface BatchOptions {
  readonly maxSize: number;
  readonly maxWaitMs: number;
  /** Batches that may run at once (the request pool's size); default 1. */
  readonly concurrency?: number;
}

/** What runs a whole batch: the request pool. */
export type RunBatch = (inputs: readonly Tensor[]) => Promise<Tensor[]>;

/**
 * Optional: runs a batch of numeric inputs that `fill` writes into arrays the
 * runner provides (the request pool's runFilled: the infer request's own
 * input tensors), so a batch is copied once, not twice.
 */
export type RunFilledBatch = (specs: readonly TensorSpec[], fill: (arrays: readonly NumericData[]) => void) => Promise<Tensor[]>;

interface Pending {
  readonly inputs: readonly Tensor[];
  readonly rows: number;
  readonly resolve: (out: Tensor[]) => void;
  readonly reject: (err: Error) => void;
}

interface Group {
  readonly items: Pending[];
  rows: number;
  timer: NodeJS.Timeout | undefined;
  soon: NodeJS.Immediate | undefined;
}

export interface BatchStats {
  /** The number of calls in each batch run, the first STATS_LIMIT batches (for tests). */
  readonly batches: number[];
  /** Batches run, and the calls they held, all of them (for benchmarks and metrics). */
  runs: number;
  calls: number;
}

export class DynamicBatcher {
  private readonly run: RunBatch;
  private readonly options: BatchOptions;
  private readonly groups = new Map<string, Group>();
  /**
   * By group key, the input arrays of the last batch once its run has ended,
   * for the next batch of that key to fill: a batch then costs a copy, not a
   * new (zero-filled) array per input.
   */
  private readonly spare = new Map<string, NumericData[]>();
  private running = 0;
  private readonly concurrency: number;
  readonly stats: BatchStats = { batches: [], runs: 0, calls: 0 };
  /** Keep at most this many batch sizes in stats. */
  private static readonly STATS_LIMIT = 10_000;

  private readonly runFilled: RunFilledBatch | undefined;

  constructor(run: RunBatch, options: BatchOptions, runFilled?: RunFilledBatch) {
    this.runFilled = runFilled;
    if (!Number.isInteger(options.maxSize) || options.maxSize < 1) throw new InferenceError(`batch size must be a whole number of at least 1, not ${options.maxSize}`);
    this.run = run;
    this.options = { maxSize: options.maxSize, maxWaitMs: Math.max(0, options.maxWaitMs) };
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** Queues one call; every input's first dimension is its number of rows (the same for all inputs). */
  submit(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const rows = inputs[0]?.shape[0];
    if (rows === undefined || inputs.some((t) => t.shape[0] !== rows)) {
      return Promise.reject(new InferenceError("batched inputs need the same first (batch) dimension"));
    }
    if (rows >= this.options.maxSize) return this.run(inputs);
    const key = inputs.map((t) => `${t.dtype}:${t.shape.slice(1).join("x")}`).join("|");
    return new Promise((resolve, reject) => {
      let g = this.groups.get(key);
      if (g !== undefined && g.rows + rows > this.options.maxSize) {
        this.flush(key, g);
        g = undefined;
      }
      if (g === undefined) {
        g = { items: [], rows: 0, timer: undefined, soon: undefined };
        this.groups.set(key, g);
        const group = g;
        g.timer = setTimeout(() => this.flush(key, group), this.options.maxWaitMs);
        if (this.running < this.concurrency) g.soon = setImmediate(() => this.flush(key, group));
      }
      g.items.push({ inputs, rows, resolve, reject });
      g.rows += rows;
      if (g.rows >= this.options.maxSize) this.flush(key, g);
    });
  }

  private flush(key: string, g: Group): void {
    if (this.groups.get(key) !== g) return;
    this.groups.delete(key);
    if (g.timer !== undefined) clearTimeout(g.timer);
    if (g.soon !== undefined) clearImmediate(g.soon);
    g.timer = undefined;
    g.soon = undefined;
    if (this.stats.batches.length < DynamicBatcher.STATS_LIMIT) this.stats.batches.push(g.items.length);
    this.stats.runs++;
    this.stats.calls += g.items.length;
    void this.execute(key, g.items, g.rows);
  }

  private async execute(key: string, items: readonly Pending[], rows: number): Promise<void> {
    this.running++;
    try {
      let outputs: Tensor[];
      const first = items[0]!.inputs;
      if (items.length === 1) outputs = await this.run(first);
      else if (this.runFilled !== undefined && first.every((t) => t.dtype !== "string")) {
        const specs = first.map((t) => ({ dtype: t.dtype as TensorSpec["dtype"], shape: [rows, ...t.shape.slice(1)] }));
        outputs = await this.runFilled(specs, (arrays) => fillRows(items.map((p) => p.inputs), arrays));
      } else {
        // The spare is taken, so no other batch of this key writes it while this one runs.
        const spare = this.spare.get(key);
        this.spare.delete(key);
        const inputs = concatRows(items.map((p) => p.inputs), rows, spare);
        const buffers = inputs.map((t) => t.data as NumericData);
        outputs = await this.run(inputs);
        // The run is over: its inputs are free for the next batch of this key,
        // unless an output shares their memory (callers get views of outputs).
        if (!outputs.some((o) => buffers.some((b) => typeof o.data === "object" && "buffer" in o.data && o.data.buffer === b.buffer))) this.spare.set(key, buffers);
      }
      if (items.length === 1) return items[0]!.resolve(outputs);
      for (const out of outputs) {
        if (out.shape[0] !== rows) throw new InferenceError(`the model's output has first dimension ${out.shape[0]} for a batch of ${rows} rows: it cannot be batched (remove batch: from the model)`);
      }
      let offset = 0;
      for (const p of items) {
        p.resolve(outputs.map((t) => sliceRows(t, offset, p.rows)));
        offset += p.rows;
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      for (const p of items) p.reject(e);
    } finally {
      this.running--;
      // The model has room again: what gathered meanwhile goes now.
      if (this.running < this.concurrency) {
        for (const [key, g] of this.groups) if (g.soon === undefined) g.soon = setImmediate(() => this.flush(key, g));
      }
    }
  }

  /** Runs what is queued now (used when a model is unloaded). */
  flushAll(): void {
    for (const [key, g] of [...this.groups]) this.flush(key, g);
  }
}

/** Input `i` of every call, row after row, into `into` (of the batch's size). */
function fillInput(calls: readonly (readonly Tensor[])[], i: number, into: NumericData): void {
  const target = into as NumericData & { set(a: ArrayLike<number | bigint>, offset: number): void };
  let offset = 0;
  for (const c of calls) {
    const part = c[i]!.data as ArrayLike<number | bigint>;
    target.set(part, offset);
    offset += part.length;
  }
}

/** The calls' inputs, row after row, into arrays of the batch's size (one per input). */
function fillRows(calls: readonly (readonly Tensor[])[], arrays: readonly NumericData[]): void {
  arrays.forEach((data, i) => fillInput(calls, i, data));
}

/** The calls' inputs, row after row; into `spare`'s arrays where they have the right type and length. */
function concatRows(calls: readonly (readonly Tensor[])[], rows: number, spare?: readonly NumericData[]): Tensor[] {
  const first = calls[0]!;
  return first.map((t, i) => {
    const tail = t.shape.slice(1);
    const shape = [rows, ...tail];
    if (t.dtype === "string") return { dtype: t.dtype, shape, data: calls.flatMap((c) => c[i]!.data as readonly string[]) };
    const length = elementCount(shape);
    const reuse = spare?.[i];
    const data = reuse !== undefined && reuse.length === length && reuse.constructor === typedArrayFor(t.dtype, 0).constructor ? reuse : typedArrayFor(t.dtype, length);
    fillInput(calls, i, data);
    return { dtype: t.dtype, shape, data };
  });
}

/** A caller's rows of a batch output: a view, not a copy (the batch's output is already the callers' own). */
function sliceRows(t: Tensor, start: number, count: number): Tensor {
  const per = elementCount(t.shape.slice(1));
  const shape = [count, ...t.shape.slice(1)];
  const data = t.dtype === "string" ? (t.data as readonly string[]).slice(start * per, (start + count) * per) : (t.data as NumericData).subarray(start * per, (start + count) * per);
  return { dtype: t.dtype, shape, data };
}
