// The OpenVINO C API (libopenvino_c from the `openvino` wheel) called through
// koffi. Enum values are read from the wheel's own C header when it is there.
// Calls are synchronous except `infer`, which may run on a koffi worker thread.

import { readFileSync } from "node:fs";
import * as path from "node:path";
import koffi, { type LibraryHandle, type TypeObject } from "koffi";
import {
  InferenceError,
  RuntimeMissingError,
  elementCount,
  elementSize,
  shapeToString,
  typedArrayFor,
  type CompiledModel,
  type ElementType,
  type InferRequest,
  type InferenceBackend,
  type LoadOptions,
  type NumericData,
  type PortInfo,
  type Tensor,
  type TensorSpec,
} from "./backend.ts";
import { findOpenVino, INSTALL_HELP, type OpenVinoInstall } from "./discover.ts";

/** ov_element_type_e as in OpenVINO 2026.4's ov_common.h: used when the header is not shipped. */
const FALLBACK_ELEMENT_TYPES = ["DYNAMIC", "BOOLEAN", "BF16", "F16", "F32", "F64", "I4", "I8", "I16", "I32", "I64", "U1", "U2", "U3", "U4", "U6", "U8", "U16", "U32", "U64", "NF4", "F8E4M3", "F8E5M3", "STRING"];

const OUR_TYPES: Readonly<Record<string, ElementType>> = {
  BOOLEAN: "boolean",
  BF16: "bf16",
  F16: "f16",
  F32: "f32",
  F64: "f64",
  I8: "i8",
  I16: "i16",
  I32: "i32",
  I64: "i64",
  U8: "u8",
  U16: "u16",
  U32: "u32",
  U64: "u64",
  STRING: "string",
};

/** Parses `typedef enum { DYNAMIC = 0U, BOOLEAN, ... } ov_element_type_e;` into names by value. */
export function parseElementTypeEnum(header: string): string[] | undefined {
  const m = /typedef\s+enum\s*\{([^}]*)\}\s*ov_element_type_e\s*;/.exec(header.replace(/\/\*[\s\S]*?\*\//g, ""));
  if (m === null) return undefined;
  const names: string[] = [];
  let next = 0;
  for (const raw of m[1]!.split("\n").map((l) => l.replace(/\/\/.*$/, "")).join(" ").split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const eq = /^([A-Z0-9_]+)\s*(?:=\s*(\d+)U?)?$/.exec(item);
    if (eq === null) return undefined;
    if (eq[2] !== undefined) next = Number(eq[2]);
    names[next] = eq[1]!;
    next++;
  }
  return names;
}

/** A declared C function (koffi does not export the type by name). */
type Fn = ReturnType<LibraryHandle["func"]>;

let loaded: { api: Record<string, Fn>; types: { shape: TypeObject } } | undefined;

function declare(libPath: string): NonNullable<typeof loaded> {
  if (loaded !== undefined) return loaded;
  let lib: LibraryHandle;
  try {
    lib = koffi.load(libPath);
  } catch (err) {
    throw new RuntimeMissingError(`the OpenVINO runtime at ${libPath} could not be loaded (${err instanceof Error ? err.message : String(err)}); ${INSTALL_HELP}`);
  }
  for (const t of ["ov_core_t", "ov_model_t", "ov_compiled_model_t", "ov_infer_request_t", "ov_tensor_t", "ov_output_const_port_t"]) koffi.opaque(t);
  const shape = koffi.struct("ov_shape_t", { rank: "int64_t", dims: "int64_t*" });
  koffi.struct("ov_dimension_t", { min: "int64_t", max: "int64_t" });
  koffi.struct("ov_partial_shape_t", { rank: "ov_dimension_t", dims: "ov_dimension_t*" });
  koffi.struct("ov_property_t", { key: "const char*", value: "const char*" });
  // char* fields stay pointers: the struct goes back to ov_version_free, which frees them.
  koffi.struct("ov_version_t", { buildNumber: "void*", description: "void*" });
  koffi.struct("ov_available_devices_t", { devices: "void*", size: "size_t" });
  const protos: Record<string, string> = {
    lastErr: "const char* ov_get_last_err_msg()",
    free: "void ov_free(void* content)",
    version: "int ov_get_openvino_version(_Out_ ov_version_t* version)",
    versionFree: "void ov_version_free(ov_version_t* version)",
    coreCreate: "int ov_core_create(_Out_ ov_core_t** core)",
    coreFree: "void ov_core_free(ov_core_t* core)",
    devices: "int ov_core_get_available_devices(const ov_core_t* core, _Out_ ov_available_devices_t* devices)",
    devicesFree: "void ov_available_devices_free(ov_available_devices_t* devices)",
    addExtension: "int ov_core_add_extension(const ov_core_t* core, const char* path)",
    readModel: "int ov_core_read_model(const ov_core_t* core, const char* model_path, const char* bin_path, _Out_ ov_model_t** model)",
    modelFree: "void ov_model_free(ov_model_t* model)",
    compile: "int ov_core_compile_model_props(const ov_core_t* core, const ov_model_t* model, const char* device, size_t n, const ov_property_t* props, _Out_ ov_compiled_model_t** compiled)",
    compiledFree: "void ov_compiled_model_free(ov_compiled_model_t* compiled)",
    inputsSize: "int ov_compiled_model_inputs_size(const ov_compiled_model_t* compiled, _Out_ size_t* size)",
    outputsSize: "int ov_compiled_model_outputs_size(const ov_compiled_model_t* compiled, _Out_ size_t* size)",
    inputByIndex: "int ov_compiled_model_input_by_index(const ov_compiled_model_t* compiled, size_t index, _Out_ ov_output_const_port_t** port)",
    outputByIndex: "int ov_compiled_model_output_by_index(const ov_compiled_model_t* compiled, size_t index, _Out_ ov_output_const_port_t** port)",
    getProperty: "int ov_compiled_model_get_property(const ov_compiled_model_t* compiled, const char* key, _Out_ void** value)",
    portName: "int ov_port_get_any_name(const ov_output_const_port_t* port, _Out_ void** name)",
    portType: "int ov_port_get_element_type(const ov_output_const_port_t* port, _Out_ int* type)",
    portShape: "int ov_port_get_partial_shape(const ov_output_const_port_t* port, _Out_ ov_partial_shape_t* shape)",
    partialShapeFree: "void ov_partial_shape_free(ov_partial_shape_t* shape)",
    portFree: "void ov_output_const_port_free(ov_output_const_port_t* port)",
    createRequest: "int ov_compiled_model_create_infer_request(const ov_compiled_model_t* compiled, _Out_ ov_infer_request_t** request)",
    requestFree: "void ov_infer_request_free(ov_infer_request_t* request)",
    setInput: "int ov_infer_request_set_input_tensor_by_index(ov_infer_request_t* request, size_t index, const ov_tensor_t* tensor)",
    setOutput: "int ov_infer_request_set_output_tensor_by_index(ov_infer_request_t* request, size_t index, const ov_tensor_t* tensor)",
    infer: "int ov_infer_request_infer(ov_infer_request_t* request)",
    getOutput: "int ov_infer_request_get_output_tensor_by_index(const ov_infer_request_t* request, size_t index, _Out_ ov_tensor_t** tensor)",
    tensorCreate: "int ov_tensor_create(int type, ov_shape_t shape, _Out_ ov_tensor_t** tensor)",
    tensorFromStrings: "int ov_tensor_create_from_string_array(const char** strings, size_t n, ov_shape_t shape, _Out_ ov_tensor_t** tensor)",
    tensorShape: "int ov_tensor_get_shape(const ov_tensor_t* tensor, _Out_ ov_shape_t* shape)",
    tensorType: "int ov_tensor_get_element_type(const ov_tensor_t* tensor, _Out_ int* type)",
    tensorByteSize: "int ov_tensor_get_byte_size(const ov_tensor_t* tensor, _Out_ size_t* size)",
    tensorData: "int ov_tensor_data(const ov_tensor_t* tensor, _Out_ void** data)",
    tensorFree: "void ov_tensor_free(ov_tensor_t* tensor)",
    shapeFree: "int ov_shape_free(ov_shape_t* shape)",
  };
  const api: Record<string, Fn> = {};
  for (const [name, proto] of Object.entries(protos)) api[name] = lib.func(proto);
  loaded = { api, types: { shape } };
  return loaded;
}

interface ShapeStruct {
  rank: number;
  dims: unknown;
}

/** Backend over libopenvino_c. One OpenVINO core per backend. */
export class OpenVinoCBackend implements InferenceBackend {
  readonly name = "openvino-c" as const;
  readonly version: string;
  readonly location: string;
  readonly install: OpenVinoInstall;
  private readonly api: Record<string, Fn>;
  private readonly core: unknown;
  private readonly typeNames: string[];
  private readonly typeCodes = new Map<ElementType, number>();
  private readonly extensions = new Set<string>();

  constructor(install: OpenVinoInstall = findOpenVino()) {
    this.install = install;
    this.location = install.cLibrary;
    this.api = declare(install.cLibrary).api;
    this.typeNames = this.readTypeNames();
    this.typeNames.forEach((n, code) => {
      const t = OUR_TYPES[n];
      if (t !== undefined) this.typeCodes.set(t, code);
    });
    const core = [null];
    this.check(this.api.coreCreate!(core), "creating the OpenVINO core");
    this.core = core[0];
    const v: Record<string, unknown> = {};
    this.check(this.api.version!(v), "reading the OpenVINO version");
    this.version = v["buildNumber"] ? koffi.decode.string(v["buildNumber"]) : "unknown";
    this.api.versionFree!(v);
  }

  private readTypeNames(): string[] {
    if (this.install.packageDir === undefined) return FALLBACK_ELEMENT_TYPES;
    try {
      const header = readFileSync(path.join(this.install.packageDir, "include", "openvino", "c", "ov_common.h"), "utf8");
      return parseElementTypeEnum(header) ?? FALLBACK_ELEMENT_TYPES;
    } catch {
      return FALLBACK_ELEMENT_TYPES;
    }
  }

  /** Throws InferenceError with OpenVINO's message when a call did not return OK (0). */
  check(status: number, doing: string): void {
    if (status === 0) return;
    const msg = String(this.api.lastErr!() ?? "").trim();
    throw new InferenceError(`OpenVINO failed ${doing} (status ${status})${msg ? `: ${cleanMessage(msg)}` : ""}`);
  }

  typeCode(dtype: ElementType): number {
    const code = this.typeCodes.get(dtype);
    if (code === undefined) throw new InferenceError(`element type ${dtype} is not supported by this OpenVINO`);
    return code;
  }

  typeOf(code: number): ElementType | undefined {
    const n = this.typeNames[code];
    return n !== undefined ? OUR_TYPES[n] : undefined;
  }

  devices(): string[] {
    const out: Record<string, unknown> = {};
    this.check(this.api.devices!(this.core, out), "listing devices");
    const size = Number(out["size"]);
    const names = size > 0 ? (koffi.decode(out["devices"], "const char*", size) as string[]) : [];
    this.api.devicesFree!(out);
    return [...names];
  }

  addExtension(libPath: string): void {
    if (this.extensions.has(libPath)) return;
    this.check(this.api.addExtension!(this.core, libPath), `loading the extension ${libPath}`);
    this.extensions.add(libPath);
  }

  async loadModel(options: LoadOptions): Promise<CompiledModel> {
    const api = this.api;
    const model = [null];
    // Read and compile off the event loop: a large model takes a while.
    await this.callAsync(api.readModel!, [this.core, options.path, null, model], `reading the model ${options.path}`);
    try {
      const props = Object.entries(options.properties).map(([key, value]) => ({ key, value }));
      const compiled = [null];
      await this.callAsync(api.compile!, [this.core, model[0], options.device, props.length, props.length > 0 ? props : null, compiled], `compiling ${options.path} for ${options.device}`);
      return new CCompiledModel(this, compiled[0]);
    } finally {
      api.modelFree!(model[0]);
    }
  }

  private callAsync(fn: Fn, args: unknown[], doing: string): Promise<void> {
    return new Promise((resolve, reject) => {
      fn.async(...args, (err: unknown, status: number) => {
        if (err) return reject(new InferenceError(`${doing}: ${String(err)}`));
        try {
          this.check(status, doing);
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  /** @internal */ get _api(): Record<string, Fn> {
    return this.api;
  }
}

/** OpenVINO prefixes messages with C++ source locations; keep the part a user can act on. */
function cleanMessage(msg: string): string {
  const lines = msg.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !/^Exception from src\//.test(l) && !/^Check '.*' failed at src\//.test(l));
  return (lines.length > 0 ? lines : msg.split("\n")).join(" ").replace(/\s+/g, " ").trim();
}

class CCompiledModel implements CompiledModel {
  readonly inputs: PortInfo[];
  readonly outputs: PortInfo[];
  readonly optimalRequests: number;
  private handle: unknown;
  private readonly backend: OpenVinoCBackend;

  constructor(backend: OpenVinoCBackend, handle: unknown) {
    this.backend = backend;
    this.handle = handle;
    const api = backend._api;
    this.inputs = this.ports(api.inputsSize!, api.inputByIndex!, "input");
    this.outputs = this.ports(api.outputsSize!, api.outputByIndex!, "output");
    const value = [null];
    let n = 1;
    if (api.getProperty!(handle, "OPTIMAL_NUMBER_OF_INFER_REQUESTS", value) === 0) {
      n = Number(koffi.decode.string(value[0]));
      api.free!(value[0]);
    }
    this.optimalRequests = Number.isInteger(n) && n >= 1 ? n : 1;
  }

  private ports(sizeFn: Fn, byIndex: Fn, kind: string): PortInfo[] {
    const api = this.backend._api;
    const size = [0];
    this.backend.check(sizeFn(this.handle, size), `counting the model's ${kind}s`);
    const out: PortInfo[] = [];
    for (let i = 0; i < Number(size[0]); i++) {
      const port = [null];
      this.backend.check(byIndex(this.handle, i, port), `reading ${kind} ${i}`);
      try {
        const name = [null];
        let portName = `${kind}${i}`;
        if (api.portName!(port[0], name) === 0) {
          portName = koffi.decode.string(name[0]);
          api.free!(name[0]);
        }
        const type = [0];
        this.backend.check(api.portType!(port[0], type), `reading the element type of ${kind} '${portName}'`);
        const ps: Record<string, unknown> = {};
        this.backend.check(api.portShape!(port[0], ps), `reading the shape of ${kind} '${portName}'`);
        const rank = ps["rank"] as { min: number; max: number };
        let shape: number[] = [];
        if (rank.min === rank.max && Number(rank.max) >= 0) {
          const dims = Number(rank.max) > 0 ? (koffi.decode(ps["dims"], "ov_dimension_t", Number(rank.max)) as { min: number; max: number }[]) : [];
          shape = dims.map((d) => (Number(d.min) === Number(d.max) ? Number(d.max) : -1));
        } else {
          shape = [-2];
        }
        api.partialShapeFree!(ps);
        const dtype = this.backend.typeOf(Number(type[0]));
        if (dtype === undefined) throw new InferenceError(`${kind} '${portName}' has an element type this runtime does not handle (code ${type[0]})`);
        out.push({ name: portName, dtype, shape });
      } finally {
        api.portFree!(port[0]);
      }
    }
    return out;
  }

  createRequest(): InferRequest {
    if (this.handle === null) throw new InferenceError("the model was freed");
    const req = [null];
    this.backend.check(this.backend._api.createRequest!(this.handle, req), "creating an infer request");
    return new CInferRequest(this.backend, req[0], this.inputs, this.outputs);
  }

  free(): void {
    if (this.handle === null) return;
    this.backend._api.compiledFree!(this.handle);
    this.handle = null;
  }
}

/** A tensor this request owns, with a view of its memory. */
interface OwnedTensor {
  readonly handle: unknown;
  readonly dtype: ElementType;
  readonly shape: readonly number[];
  readonly view: NumericData;
  readonly bytes: number;
}

/**
 * The tensors of one input-shape combination: inputs written in place, and
 * outputs OpenVINO writes into once their shapes are known (from the first
 * call), so a repeated call costs two FFI calls: infer and a size check.
 */
interface ShapeSlot {
  readonly inputs: OwnedTensor[];
  outputs: OwnedTensor[] | undefined;
}

/** Shape combinations kept per request (batches of varying sizes each have one). */
const SLOTS_PER_REQUEST = 8;

class CInferRequest implements InferRequest {
  private handle: unknown;
  private readonly backend: OpenVinoCBackend;
  private readonly api: Record<string, Fn>;
  private readonly slots = new Map<string, ShapeSlot>();
  /** The slot whose tensors are set on the request now. */
  private current: ShapeSlot | undefined;
  /** String inputs are made per call. */
  private transient: unknown[] = [];
  private readonly inputPorts: readonly PortInfo[];
  private readonly outputPorts: readonly PortInfo[];
  private readonly out1: unknown[] = [null];
  private readonly size1: number[] = [0];
  /** Some slot owns its outputs: others must not leave them attached. */
  private adoptedAny = false;

  constructor(backend: OpenVinoCBackend, handle: unknown, inputs: readonly PortInfo[], outputs: readonly PortInfo[]) {
    this.backend = backend;
    this.api = backend._api;
    this.handle = handle;
    this.inputPorts = inputs;
    this.outputPorts = outputs;
  }

  private own(dtype: ElementType, shape: readonly number[]): OwnedTensor {
    const api = this.api;
    const tensor = [null];
    this.backend.check(api.tensorCreate!(this.backend.typeCode(dtype), this.shapeStruct(shape), tensor), `making a ${dtype}${shapeToString(shape)} tensor`);
    const bytes = elementCount(shape) * elementSize(dtype);
    let view: NumericData = typedArrayFor(dtype, 0);
    if (bytes > 0) {
      const data = [null];
      this.backend.check(api.tensorData!(tensor[0], data), "reading a tensor's data pointer");
      view = viewOf(dtype, koffi.view(data[0], bytes));
    }
    return { handle: tensor[0], dtype, shape: [...shape], view, bytes };
  }

  private setInputs(inputs: readonly Tensor[]): ShapeSlot | undefined {
    if (this.handle === null) throw new InferenceError("the infer request was freed");
    if (inputs.length !== this.inputPorts.length) throw new InferenceError(`the model takes ${this.inputPorts.length} input(s), got ${inputs.length}`);
    this.freeTransient();
    if (inputs.some((t) => t.dtype === "string")) {
      this.setTransient(inputs);
      return undefined;
    }
    const slot = this.slotFor(inputs);
    if (this.current !== slot) {
      slot.inputs.forEach((o, i) => this.backend.check(this.api.setInput!(this.handle, i, o.handle), `setting input ${i}`));
      if (slot.outputs !== undefined) slot.outputs.forEach((o, i) => this.backend.check(this.api.setOutput!(this.handle, i, o.handle), `setting output ${i}`));
      else this.detachOwnedOutputs();
      this.current = slot;
    }
    inputs.forEach((t, i) => {
      const own = slot.inputs[i]!.view;
      // Inputs filled in place (inputArrays) are already there.
      if (t.data !== own) (own as { set(a: ArrayLike<number | bigint>): void }).set(t.data as ArrayLike<number | bigint>);
    });
    return slot;
  }

  /** The tensors for inputs of these types and shapes, made on first use (evicting the oldest shapes beyond SLOTS_PER_REQUEST). */
  private slotFor(specs: readonly { readonly dtype: ElementType; readonly shape: readonly number[] }[]): ShapeSlot {
    let key = "";
    for (const t of specs) key += `${t.dtype}${t.shape.join(",")};`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= SLOTS_PER_REQUEST) this.evictOldest();
      slot = { inputs: specs.map((t) => this.own(t.dtype, t.shape)), outputs: undefined };
      this.slots.set(key, slot);
    }
    return slot;
  }

  inputArrays(specs: readonly TensorSpec[]): NumericData[] {
    if (this.handle === null) throw new InferenceError("the infer request was freed");
    if (specs.length !== this.inputPorts.length) throw new InferenceError(`the model takes ${this.inputPorts.length} input(s), got ${specs.length}`);
    return this.slotFor(specs).inputs.map((o) => o.view);
  }

  /**
   * Before a call whose output shapes are not known yet, give OpenVINO fresh
   * empty output tensors to resize, so it never resizes (and moves) the
   * memory of another shape slot's outputs.
   */
  private detachOwnedOutputs(): void {
    if (!this.adoptedAny) return;
    this.outputPorts.forEach((p, i) => {
      if (p.dtype === "string") return;
      const o = this.own(p.dtype, p.shape.map((d) => (d < 0 ? 0 : d)));
      this.transient.push(o.handle);
      this.backend.check(this.api.setOutput!(this.handle, i, o.handle), `setting output ${i}`);
    });
  }

  private setTransient(inputs: readonly Tensor[]): void {
    const api = this.api;
    if (this.current !== undefined) this.detachOwnedOutputs();
    this.current = undefined;
    inputs.forEach((t, i) => {
      const tensor: unknown[] = [null];
      if (t.dtype === "string") {
        const strings = t.data as readonly string[];
        this.backend.check(api.tensorFromStrings!([...strings], strings.length, this.shapeStruct(t.shape), tensor), "making a string tensor");
        this.transient.push(tensor[0]);
      } else {
        const o = this.own(t.dtype, t.shape);
        (o.view as { set(a: ArrayLike<number | bigint>): void }).set(t.data as ArrayLike<number | bigint>);
        tensor[0] = o.handle;
        this.transient.push(o.handle);
      }
      this.backend.check(api.setInput!(this.handle, i, tensor[0]), `setting input ${i}`);
    });
  }

  private freeTransient(): void {
    for (const t of this.transient) this.api.tensorFree!(t);
    this.transient = [];
  }

  private evictOldest(): void {
    const [key, slot] = this.slots.entries().next().value as [string, ShapeSlot];
    this.slots.delete(key);
    if (this.current === slot) this.current = undefined;
    this.freeSlot(slot);
  }

  private freeSlot(slot: ShapeSlot): void {
    for (const o of slot.inputs) this.api.tensorFree!(o.handle);
    for (const o of slot.outputs ?? []) this.api.tensorFree!(o.handle);
  }

  private shapeStruct(shape: readonly number[]): ShapeStruct {
    return { rank: shape.length, dims: shape.length > 0 ? BigInt64Array.from(shape, (d) => BigInt(d)) : null };
  }

  /** Outputs of the call just made. */
  private outputs(slot: ShapeSlot | undefined): Tensor[] {
    if (slot?.outputs !== undefined) {
      const fast = this.readOwned(slot.outputs);
      if (fast !== undefined) return fast;
    }
    const out = this.readOutputs();
    if (slot !== undefined && this.current === slot) this.adoptOutputs(slot, out);
    return out;
  }

  /** Reads outputs OpenVINO wrote into our tensors; undefined if one changed size (a data-dependent shape). */
  private readOwned(owned: readonly OwnedTensor[]): Tensor[] | undefined {
    const out: Tensor[] = [];
    for (const o of owned) {
      this.backend.check(this.api.tensorByteSize!(o.handle, this.size1), "reading an output's size");
      if (Number(this.size1[0]) !== o.bytes) return undefined;
      out.push({ dtype: o.dtype === "f16" || o.dtype === "bf16" ? "f32" : o.dtype, shape: o.shape, data: o.dtype === "f16" || o.dtype === "bf16" ? widen16(o.dtype, o.view as Uint16Array) : (o.view.slice() as NumericData) });
    }
    return out;
  }

  /** From now on OpenVINO writes this slot's outputs into tensors we own. */
  private adoptOutputs(slot: ShapeSlot, out: readonly Tensor[]): void {
    for (const o of slot.outputs ?? []) this.api.tensorFree!(o.handle);
    slot.outputs = undefined;
    const dtypes = this.outputPorts.map((p) => p.dtype);
    if (dtypes.some((d) => d === "string" || d === "f16" || d === "bf16")) return;
    const owned = out.map((t, i) => this.own(dtypes[i]!, t.shape));
    owned.forEach((o, i) => this.backend.check(this.api.setOutput!(this.handle, i, o.handle), `setting output ${i}`));
    slot.outputs = owned;
    this.adoptedAny = true;
  }

  private readOutputs(): Tensor[] {
    const api = this.api;
    const out: Tensor[] = [];
    for (let i = 0; i < this.outputPorts.length; i++) {
      const tensor = [null];
      this.backend.check(api.getOutput!(this.handle, i, tensor), `reading output ${i}`);
      try {
        const type = [0];
        this.backend.check(api.tensorType!(tensor[0], type), "reading an output's element type");
        const dtype = this.backend.typeOf(Number(type[0]));
        if (dtype === undefined || dtype === "string") throw new InferenceError(`output '${this.outputPorts[i]!.name}' has an element type this runtime cannot read`);
        const s: Record<string, unknown> = {};
        this.backend.check(api.tensorShape!(tensor[0], s), "reading an output's shape");
        const rank = Number(s["rank"]);
        const shape = rank > 0 ? Array.from(koffi.decode(s["dims"], "int64_t", rank) as ArrayLike<number | bigint>, Number) : [];
        api.shapeFree!(s);
        const count = elementCount(shape);
        let data: NumericData;
        if (count === 0) data = typedArrayFor(dtype, 0);
        else {
          const ptr = [null];
          this.backend.check(api.tensorData!(tensor[0], ptr), "reading an output's data");
          const raw = koffi.view(ptr[0], count * elementSize(dtype));
          data = dtype === "f16" || dtype === "bf16" ? widen16(dtype, new Uint16Array(raw)) : (viewOf(dtype, raw).slice() as NumericData);
        }
        out.push({ dtype: dtype === "f16" || dtype === "bf16" ? "f32" : dtype, shape, data });
      } finally {
        api.tensorFree!(tensor[0]);
      }
    }
    return out;
  }

  inferSync(inputs: readonly Tensor[]): Tensor[] {
    const slot = this.setInputs(inputs);
    this.backend.check(this.api.infer!(this.handle) as number, "running inference");
    return this.outputs(slot);
  }

  infer(inputs: readonly Tensor[]): Promise<Tensor[]> {
    let slot: ShapeSlot | undefined;
    try {
      slot = this.setInputs(inputs);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise((resolve, reject) => {
      this.api.infer!.async(this.handle, (err: unknown, status: number) => {
        if (err) return reject(new InferenceError(`running inference: ${String(err)}`));
        try {
          this.backend.check(status, "running inference");
          resolve(this.outputs(slot));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  free(): void {
    if (this.handle === null) return;
    this.freeTransient();
    for (const slot of this.slots.values()) this.freeSlot(slot);
    this.slots.clear();
    this.current = undefined;
    this.api.requestFree!(this.handle);
    this.handle = null;
  }
}

function viewOf(dtype: ElementType, buf: ArrayBuffer): NumericData {
  switch (dtype) {
    case "f32":
      return new Float32Array(buf);
    case "f64":
      return new Float64Array(buf);
    case "i64":
      return new BigInt64Array(buf);
    case "u64":
      return new BigUint64Array(buf);
    case "i32":
      return new Int32Array(buf);
    case "u32":
      return new Uint32Array(buf);
    case "i16":
      return new Int16Array(buf);
    case "u16":
    case "f16":
    case "bf16":
      return new Uint16Array(buf);
    case "i8":
      return new Int8Array(buf);
    case "u8":
    case "boolean":
      return new Uint8Array(buf);
    case "string":
      throw new InferenceError("string tensors have no numeric view");
  }
}

/** f16 / bf16 bit patterns to float32. */
function widen16(dtype: "f16" | "bf16", bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  if (dtype === "bf16") {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) u32[i] = bits[i]! << 16;
    return out;
  }
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}
