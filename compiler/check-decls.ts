// Checks of the declarations other than flows: types, models, tools (their
// signatures and bindings), agents and guardrails. One function per kind.

import { keywordTokens } from "../grammar/tokens.ts";
import type * as A from "./ast.ts";
import { BUILTIN_TOOLS } from "./builtins.ts";
import { builtinSignature, report, useSymbol, type CheckContext, type ParamSignature, type ToolSignature } from "./check-context.ts";
import { checkCondition, expectType, type Binding, type ExprEnv } from "./check-expr.ts";
import { AGENT_PROPERTIES, MODEL_PROPERTIES, TOOL_PROPERTIES, checkBlock, first } from "./check-properties.ts";
import { declaredType, resolveType } from "./check-types.ts";
import { constantValue } from "./constant.ts";
import type { DeclSymbol, FileScope } from "./scope.ts";
import type { Span } from "./source.ts";
import { namesOfKind } from "./scope.ts";
import { didYouMean } from "./suggest.ts";
import { JSON_TYPE, NUMBER, STRING, isAssignable, list, record, typeToString, type Type } from "./types.ts";

export const TENSOR_DTYPES = ["f32", "f16", "bf16", "f64", "i64", "i32", "i16", "i8", "u8", "u16", "u32", "u64", "boolean", "string"];

export function checkTypeDecl(ctx: CheckContext, decl: A.TypeDecl, scope: FileScope): void {
  declaredType(ctx, decl, scope.file.absolutePath);
}

/** Parameters: unique names, resolved types, constant defaults of the right type. */
export function checkParams(ctx: CheckContext, scope: FileScope, params: readonly A.Param[], what: string): ParamSignature[] {
  const out: ParamSignature[] = [];
  const seen = new Map<string, A.Param>();
  for (const p of params) {
    const name = p.name.name;
    if (name === "") continue;
    reportReservedName(ctx, p.name, "a parameter");
    const type = p.type ? resolveType(ctx, scope, p.type) : JSON_TYPE;
    const prev = seen.get(name);
    if (prev !== undefined) {
      report(ctx, "AIW0102", {
        message: `${what} has two parameters named '${name}'`,
        span: p.name,
        label: "second parameter with this name",
        secondary: [{ span: prev.name, message: "first here" }],
      });
      continue;
    }
    seen.set(name, p);
    if (p.defaultValue !== undefined) constantValue(ctx, p.defaultValue, type, `the default of '${name}'`);
    out.push({ name, type, hasDefault: p.defaultValue !== undefined, span: p.name });
  }
  return out;
}

/** Names that expressions read cannot be keywords (`output` is one only where a type follows). */
export function reportReservedName(ctx: CheckContext, id: A.Identifier, what: string): void {
  if (!RESERVED.has(id.name)) return;
  report(ctx, "AIW0113", {
    message: `'${id.name}' is a keyword and cannot name ${what}`,
    span: id,
    label: "a keyword",
    help: `choose another name, e.g. ${id.name}_value`,
  });
}

const RESERVED = new Set(keywordTokens.map((t) => t.name.toLowerCase()).filter((k) => k !== "output"));

// ------------------------------------------------------------------ models

export interface ModelInfo {
  readonly inputs: readonly A.PortDecl[];
  readonly outputs: readonly A.PortDecl[];
  readonly labels?: readonly string[];
}

export function checkModel(ctx: CheckContext, decl: A.ModelDecl): void {
  const owner = `model '${decl.name.name}'`;
  const found = checkBlock(ctx, decl.properties, MODEL_PROPERTIES, owner, decl.name);
  const source = first(found, "source");
  if (source?.value) {
    const v = constantValue(ctx, source.value, STRING, "a model source");
    if (typeof v === "string" && !/\.(xml|onnx)$/i.test(v)) {
      report(ctx, "AIW0205", {
        message: `a model source must be an OpenVINO IR (.xml) or ONNX (.onnx) file, not '${v}'`,
        span: source.value,
        label: "expected a path ending in .xml or .onnx",
      });
    }
  }
  const device = first(found, "device");
  if (device?.value) {
    const v = constantValue(ctx, device.value, STRING, "a device");
    if (typeof v === "string" && !/^(CPU|GPU(\.\d+)?|NPU|AUTO|HETERO|MULTI)(:[A-Z0-9.,:]+)?$/.test(v)) {
      report(ctx, "AIW0205", { message: `unknown OpenVINO device '${v}'`, span: device.value, label: "not a device", help: 'use "CPU", "GPU", "NPU" or "AUTO"' });
    }
  }
  const hint = first(found, "hint");
  if (hint?.value) {
    const text = hint.value.kind === "Name" ? hint.value.name : hint.value.kind === "String" ? String(constantValue(ctx, hint.value, STRING, "a hint")) : "";
    if (text !== "latency" && text !== "throughput") {
      report(ctx, "AIW0205", { message: "a model hint is latency or throughput", span: hint.value, label: "expected latency or throughput" });
    }
  }
  const precision = first(found, "precision");
  if (precision?.value) {
    const v = constantValue(ctx, precision.value, STRING, "a precision");
    if (typeof v === "string" && !["f32", "f16", "bf16"].includes(v)) {
      report(ctx, "AIW0205", { message: `precision must be "f32", "f16" or "bf16", not '${v}'`, span: precision.value, label: "unknown precision" });
    }
  }
  const cache = first(found, "cache");
  if (cache?.value) constantValue(ctx, cache.value, STRING, "a cache folder");
  const labels = first(found, "labels");
  if (labels?.value) constantValue(ctx, labels.value, list(STRING), "labels");
  const batch = first(found, "batch");
  if (batch?.value) positiveInteger(ctx, batch.value, "batch");
  const wait = first(found, "batch_wait");
  if (wait?.value && wait.value.kind !== "Duration") {
    report(ctx, "AIW0205", { message: "batch_wait must be a duration such as 2ms", span: wait.value, label: "not a duration" });
  }
  const names = new Map<string, A.PortDecl>();
  for (const port of decl.ports) {
    const dir = port.direction.name;
    if (dir !== "input" && dir !== "output") {
      report(ctx, "AIW0107", {
        message: `'${dir}' is neither input nor output`,
        span: port.direction,
        label: "expected input or output",
        help: "declare ports as: input features: f32[?, 512]",
      });
      continue;
    }
    const key = `${dir} ${port.name.name}`;
    const prev = names.get(key);
    if (prev !== undefined) {
      report(ctx, "AIW0102", { message: `${owner} has two ${dir}s named '${port.name.name}'`, span: port.name, label: "second port with this name", secondary: [{ span: prev.name, message: "first here" }] });
    }
    names.set(key, port);
    if (!TENSOR_DTYPES.includes(port.dtype.name)) {
      const hint = didYouMean(port.dtype.name, TENSOR_DTYPES);
      report(ctx, "AIW0105", { message: `unknown tensor element type '${port.dtype.name}'`, span: port.dtype, label: "not an element type", ...(hint ? { help: hint } : { notes: [`element types: ${TENSOR_DTYPES.join(", ")}`] }) });
    }
  }
}

function positiveInteger(ctx: CheckContext, e: A.Expr, what: string): number | undefined {
  const v = constantValue(ctx, e, NUMBER, what);
  if (typeof v !== "number") return undefined;
  if (!Number.isInteger(v) || v < 1) {
    report(ctx, "AIW0205", { message: `${what} must be a whole number of at least 1`, span: e, label: "not a positive whole number" });
    return undefined;
  }
  return v;
}

export function modelInfo(decl: A.ModelDecl): ModelInfo {
  const labelsProp = decl.properties.find((p) => p.key.name === "labels");
  const labels =
    labelsProp?.value?.kind === "List" && labelsProp.value.items.every((i) => i.kind === "String" && i.parts.every((p) => typeof p === "string"))
      ? labelsProp.value.items.map((i) => ((i as A.StringLiteral).parts as string[]).join(""))
      : undefined;
  return {
    inputs: decl.ports.filter((p) => p.direction.name === "input"),
    outputs: decl.ports.filter((p) => p.direction.name === "output"),
    ...(labels ? { labels } : {}),
  };
}

// ------------------------------------------------------------------- tools

/** The signature of a declared tool (cached); its binding is checked by checkTool. */
export function toolSignature(ctx: CheckContext, sym: DeclSymbol): ToolSignature {
  const decl = sym.decl as A.ToolDecl;
  const cached = ctx.toolSignatures.get(decl);
  if (cached !== undefined) return cached;
  const scope = ctx.scopes.get(sym.file.absolutePath)!;
  const params = checkParams(ctx, scope, decl.params, `tool '${decl.name.name}'`);
  const returns = decl.returns ? resolveType(ctx, scope, decl.returns) : JSON_TYPE;
  const sig: ToolSignature = { name: decl.name.name, params, returns, decl, symbol: sym };
  ctx.toolSignatures.set(decl, sig);
  return sig;
}

/** What each kind of model post-processing returns. */
export const POSTPROCESS_TYPES: Readonly<Record<string, Type>> = {
  argmax: record([
    ["label", STRING],
    ["score", NUMBER],
  ]),
  scores: record([
    ["labels", list(STRING)],
    ["scores", list(NUMBER)],
  ]),
  raw: record([
    ["values", list(NUMBER)],
    ["shape", list(NUMBER)],
  ]),
  embedding: record([["vector", list(NUMBER)]]),
};

export function checkTool(ctx: CheckContext, sym: DeclSymbol): void {
  const decl = sym.decl as A.ToolDecl;
  const sig = toolSignature(ctx, sym);
  const scope = ctx.scopes.get(sym.file.absolutePath)!;
  const owner = `tool '${decl.name.name}'`;
  const found = checkBlock(ctx, decl.properties, TOOL_PROPERTIES, owner, decl.name);
  const description = first(found, "description");
  if (description?.value) constantValue(ctx, description.value, STRING, "a description");
  const ts = first(found, "ts");
  const python = first(found, "python");
  const model = first(found, "model");
  if (ts?.value) {
    const v = constantValue(ctx, ts.value, STRING, "a TypeScript binding");
    if (typeof v === "string" && !/^[^#]+#[A-Za-z_$][\w$]*$/.test(v)) {
      report(ctx, "AIW0204", { message: `'${v}' is not a TypeScript binding`, span: ts.value, label: "expected \"path/to/module.ts#exportName\"" });
    }
  }
  if (python?.value) {
    const v = constantValue(ctx, python.value, STRING, "a Python binding");
    if (typeof v === "string" && !/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$/.test(v)) {
      report(ctx, "AIW0204", { message: `'${v}' is not a Python binding`, span: python.value, label: "expected \"package.module:function\"" });
    }
  }
  if (model && (ts || python)) {
    report(ctx, "AIW0204", {
      message: `${owner} is bound both to a model and to code`,
      span: model.key,
      label: "model binding",
      secondary: [{ span: (ts ?? python)!.key, message: "code binding" }],
      help: "a tool runs either a model or your code: keep one",
    });
    return;
  }
  if (!model && !ts && !python) {
    report(ctx, "AIW0204", {
      message: `${owner} is not bound to anything it could run`,
      span: decl.name,
      label: "no binding",
      help: 'bind it to code with ts: "./tools.ts#fn" and/or python: "pkg.module:fn", or to a model with model: name',
    });
    return;
  }
  if (!model) {
    for (const key of ["pre", "post"] as const) {
      const p = first(found, key);
      if (p) report(ctx, "AIW0204", { message: `'${key}' applies only to tools bound to a model`, span: p.key, label: "no model here" });
    }
    return;
  }
  checkModelBinding(ctx, scope, sig, model, first(found, "pre"), first(found, "post"), owner);
}

function checkModelBinding(ctx: CheckContext, scope: FileScope, sig: ToolSignature, model: A.Property, pre: A.Property | undefined, post: A.Property | undefined, owner: string): void {
  if (model.value?.kind !== "Name") {
    if (model.value) report(ctx, "AIW0204", { message: "'model' names a model declaration", span: model.value, label: "expected a model name" });
    return;
  }
  const modelName = model.value.name;
  const msym = scope.visible.get(modelName);
  if (msym === undefined || msym.kind !== "model") {
    const hint = didYouMean(modelName, namesOfKind(scope, ["model"]));
    report(ctx, msym ? "AIW0204" : "AIW0101", {
      message: msym ? `'${modelName}' is ${msym.kind === "agent" ? "an" : "a"} ${msym.kind}, not a model` : `unknown model '${modelName}'`,
      span: model.value,
      label: "not a model",
      ...(hint ? { help: hint } : {}),
    });
    return;
  }
  useSymbol(ctx, msym, model.value);
  const info = modelInfo(msym.decl as A.ModelDecl);
  if (sig.params.length !== 1) {
    report(ctx, "AIW0204", { message: `${owner} is bound to a model, so it takes exactly one parameter (the model's input)`, span: sig.decl!.name, label: `takes ${sig.params.length}` });
  }
  const input = sig.params[0];
  // Pre-processing: what turns the parameter into the input tensor.
  const preKind = pre?.value ? callName(pre.value) : input && isAssignable(input.type, list(NUMBER)) ? "numbers" : undefined;
  if (preKind === undefined) {
    report(ctx, "AIW0204", {
      message: `${owner} needs 'pre': how its input becomes a tensor`,
      span: pre?.value ?? sig.decl!.name,
      label: "no pre-processing",
      help: "use pre: hashed_words(dim: 512) for text, pre: numbers for number lists, or pre: tokenizer(\"path/to/tokenizer.xml\")",
    });
  } else if (preKind === "hashed_words") {
    if (input && !isAssignable(input.type, STRING)) report(ctx, "AIW0201", { message: "hashed_words takes a string parameter", span: pre!.value!, label: `the parameter is ${typeToString(input.type)}` });
    const dim = pre?.value?.kind === "Call" ? pre.value.args.find((a) => a.name?.name === "dim") : undefined;
    const dimValue = dim ? constantValue(ctx, dim.value, NUMBER, "dim") : undefined;
    if (dim !== undefined && typeof dimValue === "number" && (!Number.isInteger(dimValue) || dimValue < 1 || dimValue > 1_000_000)) {
      report(ctx, "AIW0205", { message: "dim must be a whole number from 1 to 1,000,000", span: dim.value, label: "not a feature count" });
    }
    const port = info.inputs[0];
    const last = port?.dims[port.dims.length - 1]?.text;
    if (typeof dimValue === "number" && last !== undefined && /^\d+$/.test(last) && Number(last) !== dimValue) {
      report(ctx, "AIW0601", {
        message: `hashed_words makes ${dimValue} features, but the model's input '${port!.name.name}' takes ${last}`,
        span: dim!.value,
        label: `${dimValue} features`,
        secondary: [{ span: port!.dims[port!.dims.length - 1]!, message: `the model expects ${last}` }],
      });
    }
    if (dim === undefined && (last === undefined || !/^\d+$/.test(last))) {
      report(ctx, "AIW0204", { message: "hashed_words needs dim: N when the model does not declare its input size", span: pre!.value!, label: "no dim" });
    }
  } else if (preKind === "numbers") {
    if (input && !isAssignable(input.type, list(NUMBER)) && !isAssignable(input.type, list(list(NUMBER)))) {
      report(ctx, "AIW0201", { message: "numbers takes a number[] parameter", span: pre?.value ?? sig.decl!.name, label: `the parameter is ${typeToString(input.type)}` });
    }
  } else if (preKind === "tokenizer") {
    const arg = pre?.value?.kind === "Call" ? pre.value.args[0] : undefined;
    if (!arg) report(ctx, "AIW0204", { message: "tokenizer needs the path of a tokenizer model", span: pre!.value!, label: 'expected tokenizer("path/to/tokenizer.xml")' });
    else constantValue(ctx, arg.value, STRING, "a tokenizer path");
  } else {
    report(ctx, "AIW0204", { message: `unknown pre-processing '${preKind}'`, span: pre!.value!, label: "expected hashed_words, numbers or tokenizer", ...hintFor(preKind, ["hashed_words", "numbers", "tokenizer"]) });
  }
  // Post-processing: what the tool returns.
  const postKind = post?.value ? callName(post.value) : "raw";
  const postType = postKind !== undefined ? POSTPROCESS_TYPES[postKind] : undefined;
  if (postType === undefined) {
    report(ctx, "AIW0204", { message: `unknown post-processing '${postKind}'`, span: post!.value!, label: "expected argmax, scores, raw or embedding", ...hintFor(postKind ?? "", Object.keys(POSTPROCESS_TYPES)) });
    return;
  }
  if ((postKind === "argmax" || postKind === "scores") && info.labels === undefined) {
    report(ctx, "AIW0204", { message: `${postKind} needs the model's labels`, span: post!.value!, label: "the model has no labels", help: `add labels: ["...", ...] to model '${modelName}'` });
  }
  const out = info.outputs[0];
  const lastOut = out?.dims[out.dims.length - 1]?.text;
  if (info.labels && (postKind === "argmax" || postKind === "scores") && lastOut !== undefined && /^\d+$/.test(lastOut) && Number(lastOut) !== info.labels.length) {
    report(ctx, "AIW0601", {
      message: `model '${modelName}' has ${info.labels.length} labels but its output '${out!.name.name}' has ${lastOut} classes`,
      span: out!.dims[out!.dims.length - 1]!,
      label: `${lastOut} classes`,
    });
  }
  checkPortsFit(ctx, info, modelName, preKind, postKind ?? "raw", pre?.value ?? sig.decl!.name, post?.value ?? sig.decl!.name, input?.type);
  if (!isAssignable(postType, sig.returns)) {
    report(ctx, "AIW0201", {
      message: `${owner} returns ${typeToString(sig.returns)}, but '${postKind}' gives ${typeToString(postType)}`,
      span: sig.decl!.returns ?? sig.decl!.name,
      label: `'${postKind}' gives ${typeToString(postType)}`,
    });
  }
}

/** What pre and post need of the declared ports (the runtime checks the model file's real ports again). */
function checkPortsFit(ctx: CheckContext, info: ModelInfo, modelName: string, preKind: string | undefined, postKind: string, preSpan: Span, postSpan: Span, param: Type | undefined): void {
  const mismatch = (message: string, span: Span, label: string, port: A.PortDecl) =>
    report(ctx, "AIW0601", { message, span, label, secondary: [{ span: port, message: `model '${modelName}' declares it here` }] });
  const input = info.inputs[0];
  if ((preKind === "hashed_words" || preKind === "numbers") && info.inputs.length > 1) {
    mismatch(`${preKind} feeds one input, but model '${modelName}' declares ${info.inputs.length}: ${info.inputs.map((p) => p.name.name).join(", ")}`, preSpan, "feeds one input", info.inputs[1]!);
  } else if (preKind === "hashed_words" && input !== undefined && input.dtype.name !== "f32") {
    mismatch(`hashed_words makes f32 features, but the model's input '${input.name.name}' is ${input.dtype.name}`, preSpan, "f32 features", input);
  } else if (preKind === "numbers" && input !== undefined && (input.dtype.name === "string" || input.dtype.name === "boolean")) {
    mismatch(`numbers cannot feed the ${input.dtype.name} input '${input.name.name}'`, preSpan, "numbers", input);
  } else if (preKind === "numbers" && input !== undefined && input.dims.length === 1 && param !== undefined && isAssignable(param, list(list(NUMBER))) && !isAssignable(param, list(NUMBER))) {
    mismatch(`the model's input '${input.name.name}' has one dimension: it takes a number[], not rows of numbers`, preSpan, "rows of numbers", input);
  } else if (preKind === "tokenizer") {
    const bad = info.inputs.find((p) => p.dtype.name !== "i64" && p.dtype.name !== "i32");
    if (bad !== undefined) mismatch(`a tokenizer gives token ids (i64), but the model's input '${bad.name.name}' is ${bad.dtype.name}`, preSpan, "token ids", bad);
  }
  const output = info.outputs[0];
  if (output === undefined) return;
  const rank = output.dims.length;
  if ((postKind === "argmax" || postKind === "scores") && (rank < 1 || rank > 2)) {
    mismatch(`${postKind} needs an output of class scores ([?, N] or [N]), but '${output.name.name}' has ${rank} dimensions`, postSpan, "class scores", output);
  } else if (postKind === "embedding" && (rank < 2 || rank > 3)) {
    mismatch(`embedding needs an output [?, hidden] or [?, tokens, hidden], but '${output.name.name}' has ${rank} dimensions`, postSpan, "an embedding", output);
  } else if (postKind !== "raw" && output.dtype.name === "string") {
    mismatch(`${postKind} needs a numeric output, but '${output.name.name}' is a string tensor`, postSpan, "numbers", output);
  }
}

function hintFor(typed: string, options: string[]): { help?: string } {
  const h = didYouMean(typed, options);
  return h ? { help: h } : {};
}

/** `argmax` or `hashed_words(dim: 3)` -> the name. */
function callName(e: A.Expr): string | undefined {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Call" && e.callee.kind === "Name") return e.callee.name;
  return undefined;
}

// ------------------------------------------------------------------ agents

export interface AgentInfo {
  readonly tools: ReadonlySet<string>;
  readonly hasMemory: boolean;
}

export function checkAgent(ctx: CheckContext, decl: A.AgentDecl, scope: FileScope): AgentInfo {
  const owner = `agent '${decl.name.name}'`;
  const found = checkBlock(ctx, decl.properties, AGENT_PROPERTIES, owner, decl.name);
  for (const key of ["role", "goal", "backstory"]) {
    const p = first(found, key);
    if (p?.value) constantValue(ctx, p.value, STRING, `an agent's ${key}`);
  }
  const tools = new Set<string>();
  const toolsProp = first(found, "tools");
  if (toolsProp?.value) {
    if (toolsProp.value.kind !== "List") {
      report(ctx, "AIW0205", { message: "'tools' is a list of tool names", span: toolsProp.value, label: "expected [tool, ...]" });
    } else {
      for (const item of toolsProp.value.items) {
        if (item.kind !== "Name") {
          report(ctx, "AIW0302", { message: "'tools' lists tool names", span: item, label: "not a tool name" });
          continue;
        }
        if (item.name === "") continue;
        const sym = scope.visible.get(item.name);
        if (sym?.kind === "tool") {
          useSymbol(ctx, sym, item);
          tools.add(item.name);
        } else if (sym === undefined && BUILTIN_TOOLS.has(item.name)) {
          ctx.references?.push({ span: item, definition: item, kind: "tool" });
          tools.add(item.name);
        } else {
          const hint = didYouMean(item.name, namesOfKind(scope, ["tool"]));
          report(ctx, sym ? "AIW0302" : "AIW0101", {
            message: sym
              ? `'${item.name}' is ${sym.kind === "agent" ? "an" : "a"} ${sym.kind}, not a tool`
              : scope.ambiguous.has(item.name)
                ? `'${item.name}' is ambiguous: two imported files declare it`
                : `unknown tool '${item.name}'`,
            span: item,
            label: "not a tool",
            ...(hint ? { help: hint } : {}),
          });
        }
      }
    }
  }
  let hasMemory = false;
  const memory = first(found, "memory");
  if (memory?.value) {
    const m = memory.value;
    const name = m.kind === "Call" && m.callee.kind === "Name" ? m.callee.name : m.kind === "Name" ? m.name : "";
    if (name === "recall") {
      hasMemory = true;
      const args = m.kind === "Call" ? m.args : [];
      for (const a of args) {
        if (a.name?.name !== "top_k") {
          report(ctx, "AIW0110", { message: "recall takes only top_k", span: a.name ?? a, label: "unknown argument", help: "write memory: recall(top_k: 3)" });
          continue;
        }
        const v = constantValue(ctx, a.value, NUMBER, "top_k");
        if (typeof v === "number" && (!Number.isInteger(v) || v < 1)) report(ctx, "AIW0205", { message: "top_k must be a whole number of at least 1", span: a.value, label: "not a positive whole number" });
      }
    } else if (name !== "none") {
      report(ctx, "AIW0205", { message: "memory is recall(top_k: N) or none", span: m, label: "unknown memory", help: "write memory: recall(top_k: 3)" });
    }
  }
  return { tools, hasMemory };
}

// -------------------------------------------------------------- guardrails

export function checkGuardrail(ctx: CheckContext, decl: A.GuardrailDecl, scope: FileScope): ParamSignature[] {
  const params = checkParams(ctx, scope, decl.params, `guardrail '${decl.name.name}'`);
  if (decl.params.length === 0) {
    report(ctx, "AIW0111", { message: `guardrail '${decl.name.name}' takes no parameter`, span: decl.name, label: "needs a parameter", help: "a guardrail checks a value: guardrail positive(inv: Invoice) = inv.amount > 0 else \"...\"" });
  }
  const bindings = new Map<string, Binding>(params.map((p) => [p.name, { kind: "parameter", type: p.type, definition: p.span! }]));
  const env: ExprEnv = {
    ctx,
    scope,
    lookup: (n) => bindings.get(n),
    localNames: () => bindings.keys(),
    reporting: true,
  };
  if (decl.condition) checkCondition(env, decl.condition, "a guardrail's condition");
  if (decl.message) expectType(env, decl.message, STRING, "a guardrail's message");
  return params;
}

export { builtinSignature };
