// The inference backend interface: what the model tools need from an engine.
// Two implementations: openvino-c.ts (OpenVINO's C API through koffi) and
// openvino-node.ts (the openvino-node addon, when its runtime is installed).

export type ElementType = "f32" | "f16" | "bf16" | "f64" | "i64" | "i32" | "i16" | "i8" | "u8" | "u16" | "u32" | "u64" | "boolean" | "string";

export type NumericData = Float32Array | Float64Array | BigInt64Array | BigUint64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;

export interface Tensor {
  readonly dtype: ElementType;
  readonly shape: readonly number[];
  /** Row-major elements; `string` tensors hold strings. f16/bf16 outputs are widened to Float32Array. */
  readonly data: NumericData | readonly string[];
}

export interface PortInfo {
  readonly name: string;
  readonly dtype: ElementType;
  /** -1 for a dynamic dimension; empty for a scalar; undefined rank is not supported. */
  readonly shape: readonly number[];
}

export interface LoadOptions {
  /** Absolute path of the `.xml` or `.onnx` file. */
  readonly path: string;
  readonly device: string;
  /** OpenVINO properties (PERFORMANCE_HINT, INFERENCE_PRECISION_HINT, CACHE_DIR, ...). */
  readonly properties: Readonly<Record<string, string>>;
}

export interface InferenceBackend {
  readonly name: "openvino-c" | "openvino-node";
  /** The OpenVINO version, e.g. "2026.4.1-...". */
  readonly version: string;
  /** Where the runtime was found (a library path or a package name). */
  readonly location: string;
  devices(): string[];
  /** Loads an OpenVINO extension library (e.g. openvino_tokenizers). Idempotent per path. */
  addExtension(path: string): void;
  /** Reads and compiles a model. Rejects with InferenceError on a missing or corrupt file. */
  loadModel(options: LoadOptions): Promise<CompiledModel>;
}

export interface CompiledModel {
  readonly inputs: readonly PortInfo[];
  readonly outputs: readonly PortInfo[];
  /** OPTIMAL_NUMBER_OF_INFER_REQUESTS, at least 1. */
  readonly optimalRequests: number;
  createRequest(): InferRequest;
  /** Frees the compiled model; its requests must have been freed first. */
  free(): void;
}

/** A numeric input's element type and shape, before its data. */
export interface TensorSpec {
  readonly dtype: Exclude<ElementType, "string">;
  readonly shape: readonly number[];
}

export interface InferRequest {
  /**
   * Optional: the request's own input arrays for inputs of these types and
   * shapes. Filled by the caller and passed back as the inputs' data, they are
   * not copied again (a batch is gathered straight into them).
   */
  inputArrays?(specs: readonly TensorSpec[]): NumericData[];
  /** Runs on the calling thread: cheapest for small models. */
  inferSync(inputs: readonly Tensor[]): Tensor[];
  /** Runs on a worker thread, so the event loop keeps going (for heavy models). */
  infer(inputs: readonly Tensor[]): Promise<Tensor[]>;
  free(): void;
}

/** A failure of inference a user can cause or fix: a bad file, a wrong shape, no runtime. */
export class InferenceError extends Error {
  override readonly name: string = "InferenceError";
}

/** The OpenVINO runtime could not be found or loaded. */
export class RuntimeMissingError extends InferenceError {
  override readonly name = "RuntimeMissingError";
}

/** Number of elements of a static shape. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The typed array for an element type (f16/bf16 excluded: they are converted). */
export function typedArrayFor(dtype: ElementType, length: number): NumericData {
  switch (dtype) {
    case "f32":
      return new Float32Array(length);
    case "f64":
      return new Float64Array(length);
    case "i64":
      return new BigInt64Array(length);
    case "u64":
      return new BigUint64Array(length);
    case "i32":
      return new Int32Array(length);
    case "u32":
      return new Uint32Array(length);
    case "i16":
      return new Int16Array(length);
    case "u16":
      return new Uint16Array(length);
    case "i8":
      return new Int8Array(length);
    case "u8":
    case "boolean":
      return new Uint8Array(length);
    case "f16":
    case "bf16":
      return new Float32Array(length);
    case "string":
      throw new InferenceError("string tensors have no typed array");
  }
}

/** Bytes per element as OpenVINO stores it. */
export function elementSize(dtype: ElementType): number {
  switch (dtype) {
    case "f64":
    case "i64":
    case "u64":
      return 8;
    case "f32":
    case "i32":
    case "u32":
      return 4;
    case "f16":
    case "bf16":
    case "i16":
    case "u16":
      return 2;
    case "i8":
    case "u8":
    case "boolean":
      return 1;
    case "string":
      throw new InferenceError("string tensors have no fixed element size");
  }
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.map((d) => (d < 0 ? "?" : String(d))).join(", ")}]`;
}
