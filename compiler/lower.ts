// Lowering: a checked program (without errors) -> the IR. Includes the flows
// of the root files and every declaration they use, directly or not. Names
// become explicit references (input, task, var); defaults are filled in; keys
// are sorted so the same source always gives the same bytes.

import * as crypto from "node:crypto";
import type * as A from "./ast.ts";
import { BUILTIN_TOOLS } from "./builtins.ts";
import type { CheckedProgram } from "./check.ts";
import type { ToolSignature } from "./check-context.ts";
import { modelInfo } from "./check-decls.ts";
import { normalizeStartDate, type FlowInfo, type TaskInfo } from "./check-flow.ts";
import { constantOrUndefined } from "./constant.ts";
import type * as I from "./ir.ts";
import { IR_VERSION } from "./ir.ts";
import type { ProgramFile } from "./program.ts";
import type { DeclSymbol, FileScope } from "./scope.ts";
import { positionAt, type Span } from "./source.ts";
import type { Type } from "./types.ts";

/** Used when a flow gives no `start`: a fixed date keeps generated DAGs stable. */
export const DEFAULT_START_DATE = "2026-01-01T00:00:00Z";
export const DEFAULT_BACKOFF: I.IrBackoff = { kind: "fixed", delayMs: 1000 };

/**
 * IR names for declarations, one table per kind: the first declaration to
 * claim a name keeps it; another declaration with the same name (from
 * another file) gets `name_2`, `name_3`, ... in the order lowering meets them.
 */
class NameTable {
  private readonly byKey = new Map<object, string>();
  private readonly taken = new Set<string>();

  nameFor(key: object, wanted: string): { name: string; isNew: boolean } {
    const known = this.byKey.get(key);
    if (known !== undefined) return { name: known, isNew: false };
    let name = wanted;
    for (let i = 2; this.taken.has(name); i++) name = `${wanted}_${i}`;
    this.byKey.set(key, name);
    this.taken.add(name);
    return { name, isNew: true };
  }
}

class Lowering {
  private readonly typeNames = new NameTable();
  private readonly toolNames = new NameTable();
  private readonly modelNames = new NameTable();
  private readonly agentNames = new NameTable();
  private readonly guardrailNames = new NameTable();
  readonly types = new Map<string, I.IrType>();
  readonly models = new Map<string, I.IrModel>();
  readonly tools = new Map<string, I.IrTool>();
  readonly agents = new Map<string, I.IrAgent>();
  readonly guardrails = new Map<string, I.IrGuardrail>();
  readonly checked: CheckedProgram;

  constructor(checked: CheckedProgram) {
    this.checked = checked;
  }

  fileOf(span: Span): ProgramFile {
    return this.checked.program.byDisplayPath.get(span.file)!;
  }

  /** The file and line index of the last location, where the next one's search starts (tasks come mostly in source order). */
  private lastFile: ProgramFile | undefined;
  private lastLine = 0;

  location(span: Span): I.IrLocation {
    const f = this.fileOf(span);
    const starts = f.source.lineStarts;
    const offset = span.start;
    let line = f === this.lastFile ? this.lastLine : -1;
    // positionAt's line (the last start <= offset), found by a short walk from
    // the previous location when it is nearby, else by positionAt itself.
    if (line >= 0 && starts[line]! <= offset) {
      let steps = 0;
      while (line + 1 < starts.length && starts[line + 1]! <= offset && steps < 64) {
        line++;
        steps++;
      }
      if (line + 1 < starts.length && starts[line + 1]! <= offset) line = -1;
    } else line = -1;
    if (line < 0) line = positionAt(f.source, offset).line - 1;
    this.lastFile = f;
    this.lastLine = line;
    return { file: f.path, line: line + 1, column: offset - starts[line]! + 1 };
  }

  sourceText(span: Span): string {
    return this.fileOf(span).source.text.slice(span.start, span.end);
  }

  // ---------------------------------------------------------------- types

  type(t: Type): I.IrType {
    switch (t.kind) {
      case "list":
        return { kind: "list", element: this.type(t.element) };
      case "optional":
        return { kind: "optional", inner: this.type(t.inner) };
      case "record": {
        const fields = t.fields.map((f) => (f.defaultValue !== undefined ? { name: f.name, type: this.type(f.type), default: f.defaultValue as I.JsonValue } : { name: f.name, type: this.type(f.type) }));
        if (t.name === undefined) return { kind: "record", fields };
        const { name, isNew } = this.typeNames.nameFor(t.origin ?? t, t.name);
        if (isNew) {
          this.types.set(name, { kind: "record", fields: [] }); // placeholder while its fields are lowered
          this.types.set(name, { kind: "record", fields });
        }
        return { kind: "named", name };
      }
      case "error":
        return { kind: "json" };
      default:
        return { kind: t.kind };
    }
  }

  params(decls: readonly A.Param[], sigs: readonly { name: string; type: Type }[]): I.IrParam[] {
    return sigs.map((s) => {
      const d = decls.find((p) => p.name.name === s.name);
      const def = d?.defaultValue !== undefined ? constantOrUndefined(d.defaultValue) : undefined;
      return { name: s.name, type: this.type(s.type), ...(def !== undefined ? { default: def } : {}), ...(d?.doc !== undefined ? { doc: d.doc } : {}) };
    });
  }

  // ---------------------------------------------------------- declarations

  tool(sig: ToolSignature): string {
    const { name, isNew } = this.toolNames.nameFor(sig.decl ?? sig.builtin ?? sig, sig.name);
    if (!isNew) return name;
    if (sig.builtin !== undefined) {
      this.tools.set(name, {
        params: sig.builtin.params.map((p) => ({ name: p.name, type: this.type(p.type), ...(p.default !== undefined ? { default: p.default as I.JsonValue } : {}) })),
        returns: this.type(sig.returns),
        binding: { kind: "builtin", name },
        description: sig.builtin.doc,
      });
      return name;
    }
    const decl = sig.decl!;
    const prop = (k: string) => decl.properties.find((p) => p.key.name === k)?.value;
    const str = (k: string) => {
      const v = prop(k);
      const c = v ? constantOrUndefined(v) : undefined;
      return typeof c === "string" ? c : undefined;
    };
    let binding: I.IrToolBinding;
    const modelRef = prop("model");
    if (modelRef?.kind === "Name") {
      const scope = this.checked.scopes.get(sig.symbol!.file.absolutePath)!;
      const msym = scope.visible.get(modelRef.name)!;
      binding = { kind: "model", model: this.model(msym), input: this.preprocess(prop("pre"), msym, sig), output: { kind: postKind(prop("post")) } };
    } else {
      const ts = str("ts");
      const python = str("python");
      binding = { kind: "extern", ...(ts !== undefined ? { ts } : {}), ...(python !== undefined ? { python } : {}) };
    }
    const description = str("description") ?? decl.doc;
    this.tools.set(name, {
      params: this.params(decl.params, sig.params),
      returns: this.type(sig.returns),
      binding,
      ...(description !== undefined ? { description } : {}),
      location: this.location(decl.name),
    });
    return name;
  }

  private preprocess(pre: A.Expr | undefined, msym: DeclSymbol, sig: ToolSignature): I.IrPreprocess {
    const param = sig.params[0]?.name ?? "input";
    const kind = pre === undefined ? "numbers" : pre.kind === "Name" ? pre.name : pre.kind === "Call" && pre.callee.kind === "Name" ? pre.callee.name : "numbers";
    if (kind === "hashed_words") {
      const dimArg = pre?.kind === "Call" ? pre.args.find((a) => a.name?.name === "dim") : undefined;
      const given = dimArg ? constantOrUndefined(dimArg.value) : undefined;
      const port = modelInfo(msym.decl as A.ModelDecl).inputs[0];
      const last = port?.dims[port.dims.length - 1]?.text;
      const dim = typeof given === "number" ? given : Number(last);
      return { kind: "hashed_words", dim, param };
    }
    if (kind === "tokenizer") {
      const arg = pre?.kind === "Call" ? pre.args[0] : undefined;
      const path = arg ? constantOrUndefined(arg.value) : "";
      return { kind: "tokenizer", path: typeof path === "string" ? path : "", param };
    }
    return { kind: "numbers", param };
  }

  model(sym: DeclSymbol): string {
    const { name, isNew } = this.modelNames.nameFor(sym.decl, sym.name);
    if (!isNew) return name;
    const decl = sym.decl as A.ModelDecl;
    const c = (k: string) => {
      const v = decl.properties.find((p) => p.key.name === k)?.value;
      if (v === undefined) return undefined;
      if (v.kind === "Name") return v.name;
      return constantOrUndefined(v);
    };
    const info = modelInfo(decl);
    const port = (p: A.PortDecl): I.IrPort => ({ name: p.name.name, dtype: p.dtype.name, shape: p.dims.map((d) => (/^\d+$/.test(d.text) ? Number(d.text) : -1)) });
    const batch = c("batch");
    const wait = c("batch_wait");
    const precision = c("precision");
    const cacheDir = c("cache");
    this.models.set(name, {
      source: String(c("source") ?? ""),
      device: String(c("device") ?? "CPU"),
      hint: c("hint") === "throughput" ? "throughput" : "latency",
      ...(typeof precision === "string" ? { precision } : {}),
      ...(typeof cacheDir === "string" ? { cacheDir } : {}),
      ...(info.labels !== undefined ? { labels: info.labels } : {}),
      ...(typeof batch === "number" ? { batch: { maxSize: batch, maxWaitMs: typeof wait === "number" ? wait : 2 } } : {}),
      inputs: info.inputs.map(port),
      outputs: info.outputs.map(port),
      location: this.location(decl.name),
    });
    return name;
  }

  agent(sym: DeclSymbol): string {
    const { name, isNew } = this.agentNames.nameFor(sym.decl, sym.name);
    if (!isNew) return name;
    const decl = sym.decl as A.AgentDecl;
    const info = this.checked.agents.get(decl)!;
    const str = (k: string) => {
      const v = decl.properties.find((p) => p.key.name === k)?.value;
      const c = v ? constantOrUndefined(v) : undefined;
      return typeof c === "string" ? c : undefined;
    };
    const memory = decl.properties.find((p) => p.key.name === "memory")?.value;
    let topK = 3;
    if (memory?.kind === "Call") {
      const k = memory.args.find((a) => a.name?.name === "top_k");
      const v = k ? constantOrUndefined(k.value) : undefined;
      if (typeof v === "number") topK = v;
    }
    const scope = this.checked.scopes.get(sym.file.absolutePath)!;
    const tools = [...info.tools].map((t) => this.tool(this.signatureOf(scope, t)));
    const backstory = str("backstory");
    this.agents.set(name, {
      role: str("role") ?? "",
      goal: str("goal") ?? "",
      ...(backstory !== undefined ? { backstory } : {}),
      tools,
      memory: info.hasMemory ? { kind: "recall", topK } : null,
      location: this.location(decl.name),
    });
    return name;
  }

  signatureOf(scope: FileScope, name: string): ToolSignature {
    const sym = scope.visible.get(name);
    if (sym?.kind === "tool") return this.checked.toolSignatures.get(sym.decl as A.ToolDecl)!;
    const b = BUILTIN_TOOLS.get(name)!;
    return { name, params: b.params.map((p) => ({ name: p.name, type: p.type, hasDefault: p.default !== undefined })), returns: b.returns, builtin: b };
  }

  guardrail(sym: DeclSymbol): string {
    const { name, isNew } = this.guardrailNames.nameFor(sym.decl, sym.name);
    if (!isNew) return name;
    const decl = sym.decl as A.GuardrailDecl;
    const names = new Set(decl.params.map((p) => p.name.name));
    const scope: NameScope = { inputs: new Set(), tasks: new Set(), vars: names };
    const sigs = decl.params.map((p) => ({ name: p.name.name, type: p.type ? typeOfParam(this.checked, sym, p) : ({ kind: "json" } as Type) }));
    this.guardrails.set(name, {
      params: this.params(decl.params, sigs),
      condition: this.expr(decl.condition!, scope),
      message: this.expr(decl.message!, scope),
      location: this.location(decl.name),
    });
    return name;
  }

  // ---------------------------------------------------------------- flows

  flow(info: FlowInfo): I.IrFlow {
    const decl = info.decl;
    const prop = (k: string) => decl.properties.find((p) => p.key.name === k)?.value;
    const c = (k: string) => {
      const v = prop(k);
      return v ? constantOrUndefined(v) : undefined;
    };
    const taskNames = new Set([...info.tasks.values()].filter((t) => !t.isTemplate).map((t) => t.name));
    const inputs = new Set(info.inputs.map((p) => p.name));
    const flowScope: NameScope = { inputs, tasks: taskNames, vars: new Set() };
    const description = c("description") ?? decl.doc;
    const schedule = c("schedule");
    const start = c("start");
    const tags = c("tags");
    const owner = c("owner");
    const templates = [...info.tasks.values()].filter((t) => t.isTemplate).sort((a, b) => a.index - b.index);
    return {
      ...(typeof description === "string" ? { description } : {}),
      inputs: this.params(decl.params, info.inputs),
      ...(decl.returnValue !== undefined && info.returnType !== undefined ? { output: { type: this.type(info.returnType), value: this.expr(decl.returnValue, flowScope) } } : {}),
      schedule: typeof schedule === "string" ? schedule.trim().split(/\s+/).join(" ") : null,
      startDate: typeof start === "string" ? (normalizeStartDate(start) ?? DEFAULT_START_DATE) : DEFAULT_START_DATE,
      tags: Array.isArray(tags) ? tags.filter((x): x is string => typeof x === "string") : [],
      ...(typeof owner === "string" ? { owner } : {}),
      tasks: info.order.map((n) => this.task(info, info.tasks.get(n)!, flowScope)),
      templates: templates.map((t) => this.task(info, t, flowScope)),
      location: this.location(decl.name),
    };
  }

  task(flow: FlowInfo, t: TaskInfo, flowScope: NameScope): I.IrTask {
    const decl = t.decl;
    // The first property of each key, and every guard, in one pass.
    let runProp: A.Property | undefined;
    let descriptionProp: A.Property | undefined;
    let injectProp: A.Property | undefined;
    let timeoutProp: A.Property | undefined;
    let cacheProp: A.Property | undefined;
    let retriesProp: A.Property | undefined;
    let backoffProp: A.Property | undefined;
    const guardProps: A.Property[] = [];
    const props = decl.properties;
    for (let i = 0; i < props.length; i++) {
      const p = props[i]!;
      switch (p.key.name) {
        case "run":
          runProp ??= p;
          break;
        case "description":
          descriptionProp ??= p;
          break;
        case "guard":
          guardProps.push(p);
          break;
        case "retries":
          retriesProp ??= p;
          break;
        case "timeout":
          timeoutProp ??= p;
          break;
        case "backoff":
          backoffProp ??= p;
          break;
        case "inject":
          injectProp ??= p;
          break;
        case "cache":
          cacheProp ??= p;
          break;
      }
    }
    const loopVar = decl.forEach?.variable.name;
    // A template reads its own output in its guards, like a task.
    const own: NameScope = t.isTemplate ? { ...flowScope, tasks: new Set([...flowScope.tasks, t.name]) } : flowScope;
    const inner: NameScope = loopVar !== undefined ? { ...own, vars: new Set([loopVar]) } : own;
    const run = runProp!.value!;
    let irRun: I.IrRun;
    if (t.tool !== undefined && run.kind === "Call") {
      const toolName = this.tool(t.tool);
      const args: Record<string, I.IrExpr> = {};
      for (let i = 0; i < run.args.length; i++) {
        const a = run.args[i]!;
        const pname = a.name?.name ?? t.tool.params[i]!.name;
        defineKey(args, pname, this.expr(a.value, inner));
      }
      const irTool = this.tools.get(toolName)!;
      for (let i = 0; i < irTool.params.length; i++) {
        const p = irTool.params[i]!;
        if (!Object.hasOwn(args, p.name) && p.default !== undefined) defineKey(args, p.name, { op: "lit", value: p.default });
      }
      irRun = { kind: "tool", tool: toolName, args: sortedOwnRecord(args) };
    } else {
      irRun = { kind: "expr", expr: this.expr(run, inner) };
    }
    const guards: I.IrGuard[] = [];
    for (let i = 0; i < guardProps.length; i++) {
      const g = guardProps[i]!;
      const v = g.value!;
      const gname = v.kind === "Name" ? v.name : v.kind === "Call" && v.callee.kind === "Name" ? v.callee.name : undefined;
      const gsym = gname !== undefined && !inner.vars.has(gname) && !inner.inputs.has(gname) && !inner.tasks.has(gname) ? flow.scope.visible.get(gname) : undefined;
      if (gsym?.kind === "guardrail") {
        const name = this.guardrail(gsym);
        guards.push({ kind: "guardrail", guardrail: name, args: this.guardrailArgs(gsym, v, t, inner) });
      } else {
        const message: I.IrExpr = g.message ? this.expr(g.message, inner) : { op: "lit", value: `guard failed: ${this.sourceText(v)}` };
        guards.push({ kind: "check", condition: this.expr(v, inner), message });
      }
    }
    const description = descriptionProp?.value;
    const inject = injectProp?.value;
    const agentName = t.agent !== undefined ? this.agent(t.agent) : undefined;
    const timeout = numberOf(timeoutProp);
    const cache = numberOf(cacheProp);
    const deps = dependsOn(flow, t);
    // Built key by key, in the order of the IR's JSON (optional keys only when set).
    const out: Mutable<I.IrTask> = { id: t.name, kind: t.isTemplate ? "template" : "task" } as Mutable<I.IrTask>;
    if (agentName !== undefined) out.agent = agentName;
    if (description !== undefined) out.description = this.expr(description, inner);
    out.run = irRun;
    out.dependsOn = deps;
    if (decl.when !== undefined) out.when = this.expr(decl.when, flowScope);
    if (decl.forEach?.iterable !== undefined) out.forEach = { variable: decl.forEach.variable.name, items: this.expr(decl.forEach.iterable, flowScope) };
    out.guards = guards;
    out.retries = numberOf(retriesProp) ?? 0;
    out.backoff = backoffOf(backoffProp?.value);
    if (timeout !== undefined) out.timeoutMs = timeout;
    out.output = this.type(t.itemType);
    if (inject !== undefined) out.inject = { choose: this.expr(inject, inner), templates: [...t.injects] };
    if (cache !== undefined) out.cacheTtlMs = cache;
    out.location = this.location(decl.name);
    return out;
  }

  /** Arguments in parameter order (named ones placed by name); a bare `guard: g` checks the task's own output. */
  private guardrailArgs(sym: DeclSymbol, v: A.Expr, t: TaskInfo, scope: NameScope): I.IrExpr[] {
    if (v.kind !== "Call") return [{ op: "task", name: t.name }];
    const params = (sym.decl as A.GuardrailDecl).params.map((p) => p.name.name);
    const out: (I.IrExpr | undefined)[] = new Array(params.length).fill(undefined);
    v.args.forEach((a, i) => {
      const at = a.name !== undefined ? params.indexOf(a.name.name) : i;
      if (at >= 0) out[at] = this.expr(a.value, scope);
    });
    // Trailing parameters left out take their defaults at run time.
    while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
    const irParams = this.guardrails.get(this.guardrail(sym))!.params;
    return out.map((x, i) => x ?? { op: "lit", value: irParams[i]?.default ?? null });
  }

  // ----------------------------------------------------------- expressions

  expr(e: A.Expr, scope: NameScope): I.IrExpr {
    switch (e.kind) {
      case "Number":
        return { op: "lit", value: e.value };
      case "Duration":
        return { op: "lit", value: e.ms };
      case "Boolean":
        return { op: "lit", value: e.value };
      case "Null":
        return { op: "lit", value: null };
      case "String": {
        const parts = e.parts;
        if (parts.length === 1 && typeof parts[0] === "string") return { op: "lit", value: parts[0] };
        if (parts.every((p) => typeof p === "string")) return { op: "lit", value: (parts as string[]).join("") };
        return { op: "concat", parts: e.parts.map((p) => (typeof p === "string" ? { op: "lit", value: p } : this.expr(p, scope))) };
      }
      case "Paren":
        return this.expr(e.inner, scope);
      case "Name":
        if (scope.vars.has(e.name)) return { op: "var", name: e.name };
        if (scope.tasks.has(e.name)) return { op: "task", name: e.name };
        return { op: "input", name: e.name };
      case "Field":
        return { op: "get", object: this.expr(e.object, scope), field: e.field.name };
      case "Index":
        return { op: "index", object: this.expr(e.object, scope), index: this.expr(e.index, scope) };
      case "Call": {
        const args: I.IrExpr[] = [];
        for (let i = 0; i < e.args.length; i++) args.push(this.expr(e.args[i]!.value, scope));
        return { op: "call", fn: (e.callee as A.NameExpr).name, args };
      }
      case "Unary":
        return e.operator === "not" ? { op: "not", operand: this.expr(e.operand, scope) } : { op: "neg", operand: this.expr(e.operand, scope) };
      case "Binary":
        return { op: "binary", operator: e.operator, left: this.expr(e.left, scope), right: this.expr(e.right, scope) };
      case "List":
        return { op: "list", items: e.items.map((i) => this.expr(i, scope)) };
      case "Record":
        return { op: "record", fields: e.fields.map((f) => ({ name: f.key.name, value: this.expr(f.value, scope) })) };
    }
  }
}

interface NameScope {
  readonly inputs: ReadonlySet<string>;
  readonly tasks: ReadonlySet<string>;
  /** Loop variables and guardrail parameters. */
  readonly vars: ReadonlySet<string>;
}

function typeOfParam(checked: CheckedProgram, sym: DeclSymbol, p: A.Param): Type {
  // Guardrail parameter types were resolved by the checker; resolve again silently.
  const te = p.type!;
  if (te.kind === "NamedType") {
    const s = checked.scopes.get(sym.file.absolutePath)!.visible.get(te.name.name);
    if (s?.kind === "type") {
      const t = checked.typeCache.get(s.decl as A.TypeDecl);
      if (t !== undefined) return t;
    }
    if (["string", "number", "boolean", "json"].includes(te.name.name)) return { kind: te.name.name } as Type;
  }
  return { kind: "json" };
}

function postKind(e: A.Expr | undefined): "argmax" | "scores" | "raw" | "embedding" {
  const name = e === undefined ? "raw" : e.kind === "Name" ? e.name : e.kind === "Call" && e.callee.kind === "Name" ? e.callee.name : "raw";
  return name === "argmax" || name === "scores" || name === "embedding" ? name : "raw";
}

function backoffOf(e: A.Expr | undefined): I.IrBackoff {
  if (e?.kind !== "Call" || e.callee.kind !== "Name") return DEFAULT_BACKOFF;
  const delay = e.args[0]?.value;
  const max = e.args.find((a) => a.name?.name === "max")?.value;
  const kind = e.callee.name === "exponential" ? "exponential" : "fixed";
  return {
    kind,
    delayMs: delay?.kind === "Duration" ? delay.ms : DEFAULT_BACKOFF.delayMs,
    ...(max?.kind === "Duration" ? { maxDelayMs: max.ms } : {}),
  };
}

type Mutable<X> = { -readonly [K in keyof X]: X[K] };

/** The tasks (not templates) a task waits for, sorted. */
function dependsOn(flow: FlowInfo, t: TaskInfo): string[] {
  depsFlow = flow;
  depsOut = [];
  for (let i = 0; i < t.deps.length; i++) collectDep(t.deps[i]!.name);
  const deps = depsOut;
  depsFlow = undefined;
  depsOut = [];
  // Code-unit order, as sort() without a comparator (two names need no sort call).
  if (deps.length === 2) {
    if (deps[1]! < deps[0]!) deps.reverse();
  } else if (deps.length > 2) deps.sort();
  return deps;
}

let depsFlow: FlowInfo | undefined;
let depsOut: string[] = [];

function collectDep(name: string): void {
  if (!depsFlow!.tasks.get(name)?.isTemplate) depsOut.push(name);
}

/** The value of a property when it is a constant number. */
function numberOf(p: A.Property | undefined): number | undefined {
  const v = p?.value;
  const c = v ? constantOrUndefined(v) : undefined;
  return typeof c === "number" ? c : undefined;
}

/**
 * Sets an own, enumerable data property. Keys come from the user's source:
 * `__proto__` is defined (assigning it would set the prototype); any other
 * key is assigned, which on a plain object makes the same own property
 * (Object.prototype has no other setter) and is much faster than defineProperty.
 */
function defineKey<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortedRecord<T>(m: ReadonlyMap<string, T>): Record<string, T> {
  const keys = [...m.keys()].sort(byCodeUnits);
  const out: Record<string, T> = {};
  for (const k of keys) defineKey(out, k, m.get(k)!);
  return out;
}

/** The object itself when its keys are already sorted, else a sorted copy. */
function sortedOwnRecord<T>(obj: Record<string, T>): Record<string, T> {
  const keys = Object.keys(obj);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = byCodeUnits(keys[i - 1]!, keys[i]!) < 0;
  if (sorted) return obj;
  keys.sort(byCodeUnits);
  const out: Record<string, T> = {};
  for (const k of keys) defineKey(out, k, obj[k]!);
  return out;
}

/** crypto.hash (Node >= 21.7) hashes a string in one call, without a Hash object. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

function sha256Hex(text: string): string {
  return oneShotHash !== undefined ? oneShotHash("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");
}

export function lowerProgram(checked: CheckedProgram): I.IrProgram {
  const l = new Lowering(checked);
  const flows = new Map<string, I.IrFlow>();
  for (const { symbol, info } of checked.flows) {
    if (!symbol.file.isRoot) continue;
    flows.set(symbol.name, l.flow(info));
  }
  const sources = [...checked.program.files.values()]
    .map((f) => ({ path: f.path, sha256: sha256Hex(f.source.text) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    irVersion: IR_VERSION,
    sources,
    types: sortedRecord(l.types),
    models: sortedRecord(l.models),
    tools: sortedRecord(l.tools),
    agents: sortedRecord(l.agents),
    guardrails: sortedRecord(l.guardrails),
    flows: sortedRecord(flows),
  };
}
