// The openvino-node addon as a backend, for machines where its runtime is
// installed (its install step downloads the runtime from Intel, so it is an
// optional dependency and is only looked for at run time). Written against
// openvino-node 2026.4's published typings; the types below are the subset used.

import { createRequire } from "node:module";
import { InferenceError, RuntimeMissingError, type CompiledModel, type ElementType, type InferRequest, type InferenceBackend, type LoadOptions, type NumericData, type PortInfo, type Tensor } from "./backend.ts";

interface OvTensor {
  data: NumericData;
  getShape(): number[];
  getElementType(): number | string;
}
interface OvOutput {
  anyName: string;
  getPartialShape(): { getDimensions(): (number | [number, number])[]; toString(): string };
}
interface OvInferRequest {
  infer(inputs: OvTensor[]): Record<string, OvTensor>;
  inferAsync(inputs: OvTensor[]): Promise<Record<string, OvTensor>>;
}
interface OvCompiledModel {
  inputs: OvOutput[];
  outputs: OvOutput[];
  getProperty(name: string): string | number | boolean;
  createInferRequest(): OvInferRequest;
}
interface OvCore {
  addExtension(path: string): void;
  compileModel(path: string, device: string, config?: Record<string, string>): Promise<OvCompiledModel>;
  getAvailableDevices(): string[];
}
interface OvAddon {
  Core: new () => OvCore;
  Tensor: new (type: string, shape: number[], data?: NumericData) => OvTensor;
  getOpenvinoVersion(): { buildNumber: string };
  element: Record<string, number | string>;
}

/** Loads openvino-node, or throws RuntimeMissingError when it (or its runtime) is not installed. */
export function loadOpenVinoNode(): { addon: OvAddon; location: string } {
  const require = createRequire(import.meta.url);
  let location: string;
  try {
    location = require.resolve("openvino-node");
  } catch {
    throw new RuntimeMissingError("openvino-node is not installed (it is an optional dependency: npm install openvino-node, on a machine that can download its runtime)");
  }
  try {
    const mod = require("openvino-node") as { addon: OvAddon };
    return { addon: mod.addon, location };
  } catch (err) {
    throw new RuntimeMissingError(`openvino-node is installed but its runtime is not (${err instanceof Error ? err.message.split("\n")[0] : String(err)}): run npx openvino-node download_runtime, or use the C API backend`);
  }
}

export class OpenVinoNodeBackend implements InferenceBackend {
  readonly name = "openvino-node" as const;
  readonly version: string;
  readonly location: string;
  private readonly addon: OvAddon;
  private readonly core: OvCore;
  private readonly extensions = new Set<string>();

  constructor(loaded: { addon: OvAddon; location: string } = loadOpenVinoNode()) {
    this.addon = loaded.addon;
    this.location = loaded.location;
    this.core = new this.addon.Core();
    this.version = this.addon.getOpenvinoVersion().buildNumber;
  }

  devices(): string[] {
    return this.core.getAvailableDevices();
  }

  addExtension(path: string): void {
    if (this.extensions.has(path)) return;
    wrap(() => this.core.addExtension(path), `loading the extension ${path}`);
    this.extensions.add(path);
  }

  async loadModel(options: LoadOptions): Promise<CompiledModel> {
    let compiled: OvCompiledModel;
    try {
      compiled = await this.core.compileModel(options.path, options.device, { ...options.properties });
    } catch (err) {
      throw new InferenceError(`OpenVINO failed reading or compiling the model ${options.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new NodeCompiledModel(this.addon, compiled);
  }
}

function wrap<T>(fn: () => T, doing: string): T {
  try {
    return fn();
  } catch (err) {
    throw new InferenceError(`OpenVINO failed ${doing}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const NODE_TYPES: Readonly<Record<string, ElementType>> = { f32: "f32", f64: "f64", i64: "i64", i32: "i32", i16: "i16", i8: "i8", u8: "u8", u16: "u16", u32: "u32", u64: "u64", string: "string" };

function portInfo(port: OvOutput, addon: OvAddon, dtypeHint: ElementType | undefined): PortInfo {
  const dims = port.getPartialShape().getDimensions();
  return { name: port.anyName, dtype: dtypeHint ?? "f32", shape: dims.map((d) => (typeof d === "number" ? d : d[0] === d[1] ? d[0] : -1)) };
}

function typeName(addon: OvAddon, t: number | string): ElementType {
  const name = typeof t === "string" ? t : Object.keys(addon.element).find((k) => addon.element[k] === t);
  const ours = name !== undefined ? NODE_TYPES[name] : undefined;
  if (ours === undefined) throw new InferenceError(`openvino-node gave an element type this runtime does not handle (${String(t)})`);
  return ours;
}

class NodeCompiledModel implements CompiledModel {
  readonly inputs: PortInfo[];
  readonly outputs: PortInfo[];
  readonly optimalRequests: number;
  private readonly addon: OvAddon;
  private compiled: OvCompiledModel | undefined;

  constructor(addon: OvAddon, compiled: OvCompiledModel) {
    this.addon = addon;
    this.compiled = compiled;
    // The typings expose no element type on ports: read it from a request's tensors.
    const req = compiled.createInferRequest() as unknown as { getInputTensor(i: number): OvTensor; getOutputTensor(i: number): OvTensor };
    const typeOf = (get: (i: number) => OvTensor, i: number): ElementType | undefined => {
      try {
        return typeName(addon, get(i).getElementType());
      } catch {
        return undefined;
      }
    };
    this.inputs = compiled.inputs.map((p, i) => portInfo(p, addon, typeOf((k) => req.getInputTensor(k), i)));
    this.outputs = compiled.outputs.map((p, i) => portInfo(p, addon, typeOf((k) => req.getOutputTensor(k), i)));
    const n = Number(compiled.getProperty("OPTIMAL_NUMBER_OF_INFER_REQUESTS"));
    this.optimalRequests = Number.isInteger(n) && n >= 1 ? n : 1;
  }

  createRequest(): InferRequest {
    if (this.compiled === undefined) throw new InferenceError("the model was freed");
    return new NodeInferRequest(this.addon, this.compiled.createInferRequest(), this.outputs);
  }

  free(): void {
    // openvino-node frees native objects when they are garbage collected.
    this.compiled = undefined;
  }
}

class NodeInferRequest implements InferRequest {
  private readonly addon: OvAddon;
  private request: OvInferRequest | undefined;
  private readonly outputs: readonly PortInfo[];

  constructor(addon: OvAddon, request: OvInferRequest, outputs: readonly PortInfo[]) {
    this.addon = addon;
    this.request = request;
    this.outputs = outputs;
  }

  private tensors(inputs: readonly Tensor[]): OvTensor[] {
    return inputs.map((t) => {
      if (t.dtype === "string") return new (this.addon.Tensor as unknown as new (s: string[]) => OvTensor)([...(t.data as readonly string[])]);
      return new this.addon.Tensor(t.dtype, [...t.shape], t.data as NumericData);
    });
  }

  private results(out: Record<string, OvTensor>): Tensor[] {
    const values = Object.values(out);
    return this.outputs.map((port, i) => {
      const t = out[port.name] ?? values[i];
      if (t === undefined) throw new InferenceError(`openvino-node returned no output '${port.name}'`);
      return { dtype: typeName(this.addon, t.getElementType()), shape: t.getShape(), data: t.data.slice() as NumericData };
    });
  }

  inferSync(inputs: readonly Tensor[]): Tensor[] {
    if (this.request === undefined) throw new InferenceError("the infer request was freed");
    const req = this.request;
    return this.results(wrap(() => req.infer(this.tensors(inputs)), "running inference"));
  }

  async infer(inputs: readonly Tensor[]): Promise<Tensor[]> {
    if (this.request === undefined) throw new InferenceError("the infer request was freed");
    try {
      return this.results(await this.request.inferAsync(this.tensors(inputs)));
    } catch (err) {
      if (err instanceof InferenceError) throw err;
      throw new InferenceError(`OpenVINO failed running inference: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  free(): void {
    this.request = undefined;
  }
}
