// Tool arguments to input tensors: hashed bag of words for text, numbers as
// they are, or a tokenizer model. Wrong input gives an InferenceError that
// says what the model expects.

import type { IrPreprocess } from "../../compiler/ir.ts";
import type { Value } from "../values.ts";
import { InferenceError, elementCount, shapeToString, typedArrayFor, type PortInfo, type Tensor } from "./backend.ts";
import { hashedWordsInto } from "./hashed-features.ts";

/** Runs a tokenizer model on texts: its outputs by name (input_ids, attention_mask, ...). */
export type Tokenize = (texts: readonly string[]) => Promise<ReadonlyMap<string, Tensor>>;

export interface Prepared {
  readonly inputs: Tensor[];
  readonly rows: number;
}

export async function prepareInputs(pre: IrPreprocess, value: Value | undefined, ports: readonly PortInfo[], tokenize: Tokenize | undefined): Promise<Prepared> {
  switch (pre.kind) {
    case "hashed_words":
      return hashed(pre.dim, value, pre.param, ports);
    case "numbers":
      return numbers(value, pre.param, ports);
    case "tokenizer": {
      if (typeof value !== "string") throw new InferenceError(`'${pre.param}' must be a string for the tokenizer`);
      if (tokenize === undefined) throw new InferenceError("the tokenizer is not loaded");
      return tokenized(await tokenize([value]), ports);
    }
  }
}

function onlyInput(ports: readonly PortInfo[], what: string): PortInfo {
  if (ports.length !== 1) throw new InferenceError(`${what} feeds one input, but the model has ${ports.length}: ${ports.map((p) => p.name).join(", ")}`);
  return ports[0]!;
}

function hashed(dim: number, value: Value | undefined, param: string, ports: readonly PortInfo[]): Prepared {
  if (typeof value !== "string") throw new InferenceError(`'${param}' must be a string for hashed_words`);
  const port = onlyInput(ports, "hashed_words");
  if (port.dtype !== "f32") throw new InferenceError(`hashed_words makes f32 features, but the model's input '${port.name}' is ${port.dtype}`);
  const data = new Float32Array(dim);
  hashedWordsInto(value, data);
  return { inputs: [{ dtype: "f32", shape: [1, dim], data }], rows: 1 };
}

function numbers(value: Value | undefined, param: string, ports: readonly PortInfo[]): Prepared {
  const port = onlyInput(ports, "numbers");
  if (!Array.isArray(value)) throw new InferenceError(`'${param}' must be a list of numbers`);
  const nested = value.length > 0 && Array.isArray(value[0]);
  const rowsOf: Value[][] = nested ? (value as Value[][]) : [value];
  const flat: number[] = [];
  let width: number | undefined;
  rowsOf.forEach((row, r) => {
    if (!Array.isArray(row)) throw new InferenceError(`'${param}' mixes numbers and lists (item ${r})`);
    if (width !== undefined && row.length !== width) throw new InferenceError(`row ${r} of '${param}' has ${row.length} numbers, row 0 has ${width}`);
    width = row.length;
    row.forEach((x, i) => {
      if (typeof x !== "number" || !Number.isFinite(x)) throw new InferenceError(`'${param}'${nested ? `[${r}]` : ""}[${i}] is not a number`);
      flat.push(x);
    });
  });
  const shape = shapeFor(port, rowsOf.length, width ?? 0, param);
  if (port.dtype === "string" || port.dtype === "boolean") throw new InferenceError(`numbers cannot feed the ${port.dtype} input '${port.name}'`);
  const data = typedArrayFor(port.dtype, flat.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < flat.length; i++) {
      if (!Number.isInteger(flat[i])) throw new InferenceError(`'${param}' holds ${flat[i]}, but the input '${port.name}' takes whole numbers (${port.dtype})`);
      data[i] = BigInt(flat[i]!);
    }
  } else {
    (data as Float32Array).set(flat);
  }
  return { inputs: [{ dtype: port.dtype, shape, data }], rows: shape.length > 1 ? shape[0]! : 1 };
}

/** The tensor shape for rows of `width` numbers, checked against the port. */
function shapeFor(port: PortInfo, rows: number, width: number, param: string): number[] {
  const declared = port.shape;
  if (declared.length === 1) {
    if (rows !== 1) throw new InferenceError(`the input '${port.name}' is ${shapeToString(declared)}: pass one list of numbers, not ${rows}`);
    if (declared[0]! >= 0 && declared[0] !== width) throw new InferenceError(`the input '${port.name}' takes ${declared[0]} numbers, '${param}' has ${width}`);
    return [width];
  }
  const tail = declared.slice(1);
  if (tail.some((d) => d < 0)) {
    if (tail.length !== 1) throw new InferenceError(`the input '${port.name}' is ${shapeToString(declared)}: numbers can only fill inputs whose dimensions after the first are known`);
    return [rows, width];
  }
  const per = elementCount(tail);
  if (width !== per) throw new InferenceError(`the input '${port.name}' is ${shapeToString(declared)}, so each row takes ${per} numbers; '${param}' has ${width}`);
  if (declared[0]! >= 0 && declared[0] !== rows) throw new InferenceError(`the input '${port.name}' is ${shapeToString(declared)}: it takes ${declared[0]} row(s), '${param}' has ${rows}`);
  return [rows, ...tail];
}

/** Feeds tokenizer outputs to the model's inputs by name. */
export function tokenized(byName: ReadonlyMap<string, Tensor>, ports: readonly PortInfo[]): Prepared {
  const inputs = ports.map((port) => {
    const t = byName.get(port.name);
    if (t === undefined) throw new InferenceError(`the model's input '${port.name}' is not an output of the tokenizer (it gives ${[...byName.keys()].join(", ")})`);
    if (t.dtype !== port.dtype) throw new InferenceError(`the tokenizer's '${port.name}' is ${t.dtype}, the model's input is ${port.dtype}`);
    return t;
  });
  return { inputs, rows: inputs[0]?.shape[0] ?? 1 };
}
