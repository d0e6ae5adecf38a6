// Checks a flow: its inputs, its tasks and templates (what they run, with
// which agent, guards, retries, fan-out, injection), its properties and its
// return value. Records each task's output type and the tasks it reads; the
// dependency graph itself is analysed in graph.ts.

import type * as A from "./ast.ts";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS } from "./builtins.ts";
import { builtinSignature, report, useSymbol, type CheckContext, type ParamSignature, type ToolSignature } from "./check-context.ts";
import { checkAgent, checkParams, reportReservedName, toolSignature, type AgentInfo } from "./check-decls.ts";
import { checkCondition, expectType, inferExpr, type Binding, type ExprEnv } from "./check-expr.ts";
import { FLOW_PROPERTIES, TASK_PROPERTIES, allOf, checkBlock, classifyIndexed, first, keyIndexes, reportIndexed, type IndexedBlock } from "./check-properties.ts";
import { resolveType } from "./check-types.ts";
import { constantOrUndefined, constantValue } from "./constant.ts";
import type { DeclSymbol, FileScope } from "./scope.ts";
import { namesOfKind } from "./scope.ts";
import type { Span } from "./source.ts";
import { didYouMean, nearNames } from "./suggest.ts";
import { ERROR, JSON_TYPE, NUMBER, STRING, isAssignable, list, nonNull, typeToString, type Type } from "./types.ts";

/**
 * A task that another waits for, and the places that say so. A list and not
 * a Map per task: a Map is three objects that are made young (builtins are
 * never allocated in the old generation), and a long flow's ten thousand of
 * them were the biggest part of what a young-generation scavenge copied.
 */
export interface TaskDep {
  readonly name: string;
  readonly spans: Span[];
}

export interface TaskInfo {
  readonly name: string;
  readonly decl: A.TaskDecl;
  readonly isTemplate: boolean;
  /** The output of one run (of one item, for a fan-out task). */
  itemType: Type;
  /** What other tasks read: itemType, or a list of it for a fan-out task. */
  valueType: Type;
  /** Tasks this one waits for, in the order first met, each with the places that say so. */
  readonly deps: TaskDep[];
  tool?: ToolSignature;
  agent?: DeclSymbol;
  /** Templates it may inject (its `inject:` candidates). */
  injects: string[];
  /** `when` is the constant false. */
  neverRuns: boolean;
  /** Index in source order, the tie-breaker of the topological order. */
  readonly index: number;
}

export interface FlowInfo {
  readonly decl: A.FlowDecl;
  readonly scope: FileScope;
  readonly inputs: readonly ParamSignature[];
  /** Tasks and templates by name. */
  readonly tasks: Map<string, TaskInfo>;
  /** Tasks (not templates) in topological order; filled by graph.ts. */
  order: string[];
  /** While the flow is being checked: what typing its tasks on demand needs (ensureType). */
  typing: FlowTyping | undefined;
  returnType?: Type;
}

/**
 * The state of typing a flow's tasks on demand, by TaskInfo.index (a Map or
 * Set keyed by task is a large hash table in a long flow). Plain data read by
 * ensureType, not a closure made per check: a closure over checkFlow's scope
 * let scavenges keep finished checks' objects alive (docs/benchmarks.md).
 */
interface FlowTyping {
  readonly ctx: CheckContext;
  /** Each task's properties, sorted by key (reported by checkTask). */
  readonly blocks: (IndexedBlock | undefined)[];
  /** 1 once a task's type is being or has been computed. */
  readonly typed: Uint8Array;
}

const agentInfoCache = new WeakMap<A.AgentDecl, AgentInfo>();

export function checkFlow(ctx: CheckContext, decl: A.FlowDecl, scope: FileScope): FlowInfo {
  const owner = `flow '${decl.name.name}'`;
  const inputs = checkParams(ctx, scope, decl.params, owner);
  const inputByName = new Map(inputs.map((p) => [p.name, p]));
  const flow: FlowInfo = { decl, scope, inputs, tasks: new Map(), order: [], typing: undefined, returnType: undefined };

  // Tasks and templates in source order (each list is: the parser appends).
  const all = decl.templates.length === 0 ? decl.tasks : [...decl.tasks, ...decl.templates].sort((a, b) => a.start - b.start);
  for (let index = 0; index < all.length; index++) {
    const t = all[index]!;
    const name = t.name.name;
    if (name === "") continue;
    reportReservedName(ctx, t.name, "a task");
    const prev = flow.tasks.get(name);
    if (prev !== undefined || inputByName.has(name)) {
      report(ctx, "AIW0102", {
        message: prev ? `${owner} has two tasks named '${name}'` : `task '${name}' has the name of an input of ${owner}`,
        span: t.name,
        label: prev ? "second task with this name" : "same name as an input",
        secondary: [{ span: prev ? prev.decl.name : inputByName.get(name)!.span!, message: prev ? "first here" : "the input" }],
        help: "rename the task",
      });
      continue;
    }
    flow.tasks.set(name, {
      name,
      decl: t,
      isTemplate: t.kind === "TemplateDecl",
      itemType: ERROR,
      valueType: ERROR,
      deps: [],
      tool: undefined,
      agent: undefined,
      injects: [],
      neverRuns: false,
      index,
    });
  }

  // Output types first (a task may read any other task, earlier or later).
  // Each is computed once, on demand: a task whose run expression reads a
  // later task asks for that task's type first (a cycle sees `unknown`; the
  // graph reports the cycle). The properties are sorted by key here, once
  // (reported by checkTask).
  const typing: FlowTyping = { ctx, blocks: new Array<IndexedBlock | undefined>(all.length).fill(undefined), typed: new Uint8Array(all.length) };
  flow.typing = typing;
  // One pass: each task is typed and checked while its nodes are in the
  // cache (in a long flow, a pass per step reads the whole tree from memory
  // each time). Types of other tasks are computed when first read.
  const inputsRead = new Set<string>();
  const envs: TaskEnvs = { ctx, flow, task: undefined, inputsRead, slots: [undefined, undefined, undefined, undefined] };
  for (const t of flow.tasks.values()) {
    ensureType(flow, t);
    checkTask(ctx, flow, t, envs, blockOf(typing, t));
  }

  checkFlowProperties(ctx, decl, owner);
  checkReturn(ctx, flow, inputsRead);

  for (const p of inputs) {
    if (!inputsRead.has(p.name)) {
      report(ctx, "AIW0501", { message: `input '${p.name}' of ${owner} is never used`, span: p.span!, label: "no task reads it", help: "remove it, or read it in a task" });
    }
  }
  // Every task is typed: the result keeps no typing state.
  flow.typing = undefined;
  return flow;
}

/** An ExprEnv of a flow: its fields say what lookup and localNames see (no closures per environment). */
interface FlowEnv extends ExprEnv {
  readonly flow: FlowInfo;
  readonly task: TaskInfo | undefined;
  /** The task's own name stands for one item of its output (guards, inject). */
  readonly selfItem: boolean;
  readonly loopVar: { readonly variable: A.Identifier; readonly iterable?: A.Expr } | undefined;
  readonly iterType: Type;
  readonly inputsRead: Set<string> | undefined;
}

function blockOf(typing: FlowTyping, t: TaskInfo): IndexedBlock {
  return (typing.blocks[t.index] ??= classifyIndexed(t.decl.properties, TASK_PROPERTIES));
}

/** Computes a task's output type if it is not known yet (while its flow is checked). */
function ensureType(flow: FlowInfo, t: TaskInfo): void {
  const typing = flow.typing;
  if (typing === undefined || typing.typed[t.index] === 1) return;
  typing.typed[t.index] = 1;
  t.itemType = outputType(typing.ctx, flow, t, blockOf(typing, t));
  t.valueType = t.decl.forEach ? list(t.itemType) : t.itemType;
}

function flowLookup(this: FlowEnv, name: string): Binding | undefined {
  const loopVar = this.loopVar;
  if (loopVar !== undefined && loopVar.variable.name === name) return { kind: "variable", type: this.iterType, definition: loopVar.variable };
  const t = this.flow.tasks.get(name);
  if (t !== undefined) {
    ensureType(this.flow, t);
    if (this.task !== undefined && name === this.task.name && this.selfItem) return { kind: "task", type: t.itemType, definition: t.decl.name };
    return { kind: t.isTemplate ? "template" : "task", type: t.valueType, definition: t.decl.name };
  }
  const inputs = this.flow.inputs;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    if (input.name !== name) continue;
    this.inputsRead?.add(name);
    return { kind: "input", type: input.type, definition: input.span! };
  }
  return undefined;
}

function flowLocalNames(this: FlowEnv): string[] {
  const flow = this.flow;
  return [...flow.inputs.map((p) => p.name), ...[...flow.tasks.values()].filter((t) => !t.isTemplate).map((t) => t.name), ...(this.loopVar ? [this.loopVar.variable.name] : [])];
}

/** The environment of expressions inside a task (or at flow level when task is undefined). */
function envFor(
  ctx: CheckContext,
  flow: FlowInfo,
  task: TaskInfo | undefined,
  opts: { self: "none" | "item"; loopVariable: boolean; reporting: boolean; inputsRead?: Set<string>; onTaskRead?: (name: string, span: Span) => void },
): ExprEnv {
  const loopVar = opts.loopVariable && task?.decl.forEach ? task.decl.forEach : undefined;
  const iterType = loopVar && task ? loopElementType(ctx, flow, task) : ERROR;
  const env: FlowEnv = {
    ctx,
    scope: flow.scope,
    lookup: flowLookup,
    localNames: flowLocalNames,
    reporting: opts.reporting,
    onTaskRead: opts.onTaskRead,
    flow,
    task,
    selfItem: opts.self === "item",
    loopVar,
    iterType,
    inputsRead: opts.inputsRead,
  };
  return env;
}

/** "task 'x'" or "template 'x'", for messages. */
function taskOwner(t: TaskInfo): string {
  return `${t.isTemplate ? "template" : "task"} '${t.name}'`;
}

function addTaskDep(t: TaskInfo, name: string, span: Span): void {
  const deps = t.deps;
  for (let i = 0; i < deps.length; i++) {
    if (deps[i]!.name === name) {
      deps[i]!.spans.push(span);
      return;
    }
  }
  deps.push({ name, spans: [span] });
}

/** The environment of one property of a task: reads of other tasks are its dependencies. */
interface TaskEnv extends FlowEnv {
  task: TaskInfo;
  loopVar: FlowEnv["loopVar"];
  iterType: Type;
  /** Where the expression is, for messages: "'run'", "a guard", ... (set before each expression is checked). */
  what: string;
}

/**
 * The environments of a flow's task expressions, one per kind (the task's own
 * name as one item or not, with the loop variable or not), made when first
 * needed and moved on to each task in turn (`task`): nothing per task.
 * checkTask is not re-entered (other tasks' types are inferred with envFor).
 */
interface TaskEnvs {
  readonly ctx: CheckContext;
  readonly flow: FlowInfo;
  task: TaskInfo | undefined;
  readonly inputsRead: Set<string>;
  readonly slots: (TaskEnv | undefined)[];
}

/** The environment for one expression of the current task (`what` names where it is). */
function taskEnv(envs: TaskEnvs, what: string, self: "none" | "item", loopVariable: boolean): ExprEnv {
  const slot = (self === "item" ? 2 : 0) + (loopVariable ? 1 : 0);
  const task = envs.task!;
  let e = envs.slots[slot];
  if (e !== undefined && e.task !== task) {
    const loopVar = loopVariable ? task.decl.forEach : undefined;
    e.task = task;
    e.loopVar = loopVar;
    e.iterType = loopVar ? loopElementType(envs.ctx, envs.flow, task) : ERROR;
  } else if (e === undefined) {
    const { ctx, flow } = envs;
    const loopVar = loopVariable ? task.decl.forEach : undefined;
    e = {
      ctx,
      scope: flow.scope,
      lookup: flowLookup,
      localNames: flowLocalNames,
      reporting: true,
      onTaskRead: taskRead,
      flow,
      task,
      selfItem: self === "item",
      loopVar,
      iterType: loopVar ? loopElementType(ctx, flow, task) : ERROR,
      inputsRead: envs.inputsRead,
      what,
    };
    envs.slots[slot] = e;
  }
  e.what = what;
  return e;
}

/** onTaskRead of a TaskEnv (called as env.onTaskRead, so `this` is the environment). */
function taskRead(this: TaskEnv, name: string, span: Span): void {
  const t = this.task;
  if (name === t.name) {
    // A guard or inject reads one item of the task's own output: no dependency.
    if (this.selfItem) return;
    report(this.ctx, "AIW0401", {
      message: `${taskOwner(t)} reads its own output in ${this.what}, before it exists`,
      span,
      label: "its own output",
      help: "a task can read its own output only in 'guard' and 'inject'",
    });
    return;
  }
  addTaskDep(t, name, span);
}

const loopTypeCache = new WeakMap<TaskInfo, Type>();

function loopElementType(ctx: CheckContext, flow: FlowInfo, task: TaskInfo): Type {
  const cached = loopTypeCache.get(task);
  if (cached !== undefined) return cached;
  const iterable = task.decl.forEach?.iterable;
  let t: Type = ERROR;
  if (iterable) {
    loopTypeCache.set(task, ERROR); // guards against an iterable that reads the task itself
    const it = nonNull(inferExpr(envFor(ctx, flow, task, { self: "none", loopVariable: false, reporting: false }), iterable));
    t = it.kind === "list" ? it.element : it.kind === "json" ? JSON_TYPE : ERROR;
  }
  loopTypeCache.set(task, t);
  return t;
}

/** `block`: the task's properties by key (the first valid `output:` has a type; every `run:` is valid). */
function outputType(ctx: CheckContext, flow: FlowInfo, t: TaskInfo, block: IndexedBlock): Type {
  const declared = block.firsts[TASK_KEY.output];
  if (declared?.typeValue) return resolveType(ctx, flow.scope, declared.typeValue);
  const run = block.firsts[TASK_KEY.run]?.value;
  if (run === undefined) return ERROR;
  const callee = run.kind === "Call" && run.callee.kind === "Name" ? run.callee.name : undefined;
  if (callee !== undefined && !BUILTIN_FUNCTIONS.has(callee)) {
    const sym = flow.scope.visible.get(callee);
    if (sym?.kind === "tool") return toolSignature(ctx, sym).returns;
    const b = sym === undefined ? builtinSignature(callee) : undefined;
    return b ? b.returns : ERROR;
  }
  return inferExpr(envFor(ctx, flow, t, { self: "none", loopVariable: true, reporting: false }), run);
}

function checkTask(ctx: CheckContext, flow: FlowInfo, t: TaskInfo, envs: TaskEnvs, block: IndexedBlock): void {
  const decl = t.decl;
  // Reported only when there is something to report: the owner's name is made only then.
  if (block.issues !== undefined || block.firsts[TASK_KEY.run] === undefined) reportIndexed(ctx, block, TASK_PROPERTIES, taskOwner(t), decl.name);
  const found = block.firsts;
  envs.task = t;

  // after a, b
  for (let i = 0; i < decl.after.length; i++) {
    const a = decl.after[i]!;
    const target = flow.tasks.get(a.name);
    if (target === undefined) {
      const hint = didYouMean(a.name, [...flow.tasks.values()].filter((x) => !x.isTemplate).map((x) => x.name));
      report(ctx, "AIW0101", { message: `unknown task '${a.name}'`, span: a, label: "no task with this name in this flow", ...(hint ? { help: hint } : {}) });
      continue;
    }
    ctx.references?.push({ span: a, definition: target.decl.name, kind: target.isTemplate ? "template" : "task" });
    if (target.isTemplate) {
      report(ctx, "AIW0403", { message: `'${a.name}' is a template: nothing can wait for it by name`, span: a, label: "a template", help: "wait for the task that injects it: its dependants wait for what it injects" });
      continue;
    }
    if (a.name === t.name) {
      report(ctx, "AIW0401", { message: `${taskOwner(t)} waits for itself`, span: a, label: "itself", help: "remove it from 'after'" });
      continue;
    }
    addTaskDep(t, a.name, a);
  }
  if (t.isTemplate && (decl.after.length > 0 || decl.when || decl.forEach)) {
    report(ctx, "AIW0402", { message: "a template takes no 'after', 'when' or 'for'", span: decl.name, label: "template", help: "a template runs after the task that injects it; put conditions in that task's inject expression" });
  }

  if (decl.when) {
    checkCondition(taskEnv(envs, "'when'", "none", false), decl.when, "a 'when' condition");
    if (constantOrUndefined(decl.when) === false) t.neverRuns = true;
  }
  if (decl.forEach !== undefined) reportReservedName(ctx, decl.forEach.variable, "a fan-out variable");
  if (decl.forEach?.iterable) {
    const it = inferExpr(taskEnv(envs, "'for'", "none", false), decl.forEach.iterable);
    const base = nonNull(it);
    if (base.kind !== "list" && base.kind !== "json" && base.kind !== "error") {
      report(ctx, "AIW0206", { message: `${taskOwner(t)} fans out over ${typeToString(it)}, which is not a list`, span: decl.forEach.iterable, label: `${typeToString(it)}, not a list` });
    }
  }

  const agentProp = found[TASK_KEY.agent];
  let agentInfo: AgentInfo | undefined;
  if (agentProp?.value) {
    const a = agentProp.value;
    if (a.kind !== "Name") {
      report(ctx, "AIW0302", { message: "'agent' names an agent declaration", span: a, label: "expected an agent name" });
    } else if (a.name !== "") {
      const sym = flow.scope.visible.get(a.name);
      if (sym?.kind === "agent") {
        useSymbol(ctx, sym, a);
        t.agent = sym;
        agentInfo = agentInfoFor(ctx, sym);
      } else {
        const hint = didYouMean(a.name, namesOfKind(flow.scope, ["agent"]));
        report(ctx, sym ? "AIW0302" : "AIW0101", {
          message: sym ? `'${a.name}' is a ${sym.kind}, not an agent` : `unknown agent '${a.name}'`,
          span: a,
          label: "not an agent",
          ...(hint ? { help: hint } : {}),
        });
      }
    }
  }

  const run = found[TASK_KEY.run];
  const produced = run?.value ? checkRun(ctx, flow, t, run.value, agentInfo, taskEnv(envs, "'run'", "none", true)) : undefined;

  const outputProp = found[TASK_KEY.output];
  if (outputProp?.typeValue && run?.value) {
    if (produced !== undefined && !isAssignable(produced, t.itemType)) {
      report(ctx, "AIW0201", {
        message: `${taskOwner(t)} declares output ${typeToString(t.itemType)}, but its run gives ${typeToString(produced)}`,
        span: outputProp.typeValue,
        label: `declared ${typeToString(t.itemType)}`,
        secondary: [{ span: run.value, message: `gives ${typeToString(produced)}` }],
      });
    }
  }

  const description = found[TASK_KEY.description];
  if (description?.value) expectType(taskEnv(envs, "'description'", "none", true), description.value, STRING, "a description");

  for (const g of allOf(block, TASK_KEY.guard)) checkGuard(ctx, flow, t, g, taskEnv(envs, "a guard", "item", true));

  const retries = found[TASK_KEY.retries];
  if (retries?.value) {
    const v = constantValue(ctx, retries.value, NUMBER, "retries");
    if (typeof v === "number" && (!Number.isInteger(v) || v < 0 || v > 1000)) {
      report(ctx, "AIW0205", { message: "retries must be a whole number from 0 to 1000", span: retries.value, label: "not a retry count" });
    }
  }
  const backoff = found[TASK_KEY.backoff];
  if (backoff?.value) checkBackoff(ctx, backoff.value);
  for (const key of DURATION_KEYS) {
    const p = found[TASK_KEY[key]];
    if (p?.value && (p.value.kind !== "Duration" || p.value.ms <= 0)) {
      report(ctx, "AIW0205", { message: `${key} must be a positive duration such as 30s, 500ms, 5m or 1h`, span: p.value, label: "not a duration" });
    }
  }
  const inject = found[TASK_KEY.inject];
  if (inject?.value) checkInject(ctx, flow, t, inject.value, taskEnv(envs, "'inject'", "item", true));
}

/** The index of each task property in an IndexedBlock. */
const TASK_KEY = keyIndexes(TASK_PROPERTIES) as Readonly<Record<"run" | "agent" | "description" | "output" | "guard" | "retries" | "backoff" | "timeout" | "inject" | "cache", number>>;

/** Task properties that take a positive duration. */
const DURATION_KEYS = ["timeout", "cache"] as const;

function agentInfoFor(ctx: CheckContext, sym: DeclSymbol): AgentInfo {
  const decl = sym.decl as A.AgentDecl;
  let info = agentInfoCache.get(decl);
  if (info === undefined) {
    // Silent: the agent's own diagnostics are reported once, by checkProgram.
    const silent: CheckContext = { ...ctx, diagnostics: [], references: [] };
    info = checkAgent(silent, decl, ctx.scopes.get(sym.file.absolutePath)!);
    agentInfoCache.set(decl, info);
  }
  return info;
}

/** Checks a task's run; returns the type it produces (undefined when it calls no known tool). */
function checkRun(ctx: CheckContext, flow: FlowInfo, t: TaskInfo, run: A.Expr, agent: AgentInfo | undefined, env: ExprEnv): Type | undefined {
  const callee = run.kind === "Call" && run.callee.kind === "Name" ? run.callee : undefined;
  if (run.kind !== "Call" || callee === undefined || BUILTIN_FUNCTIONS.has(callee.name)) {
    return inferExpr(env, run);
  }
  const name = callee.name;
  const sym = flow.scope.visible.get(name);
  let sig: ToolSignature | undefined;
  if (sym?.kind === "tool") {
    useSymbol(ctx, sym, callee);
    sig = toolSignature(ctx, sym);
  } else if (sym === undefined && BUILTIN_TOOLS.has(name)) {
    ctx.references?.push({ span: callee, definition: callee, kind: "tool" });
    sig = builtinSignature(name);
  }
  if (sig === undefined) {
    for (const a of run.args) inferExpr(env, a.value);
    if (name === "") return undefined;
    const ambiguous = flow.scope.ambiguous.get(name);
    const hint = didYouMean(name, [...namesOfKind(flow.scope, ["tool"]), ...BUILTIN_FUNCTIONS.keys()]);
    report(ctx, sym ? "AIW0302" : "AIW0101", {
      message: sym
        ? `'${name}' is ${sym.kind === "agent" ? "an" : "a"} ${sym.kind}, not a tool`
        : ambiguous
          ? `'${name}' is ambiguous: it is imported from ${ambiguous.map((a) => `'${a.file.path}'`).join(" and ")}`
          : `unknown tool '${name}'`,
      span: callee,
      label: sym ? "not a tool" : "no tool with this name",
      ...(hint ? { help: hint } : { help: `declare it: tool ${name}(...) -> ... { ts: "./tools.ts#${name}" }` }),
    });
    return undefined;
  }
  t.tool = sig;
  checkArguments(ctx, env, sig, run);
  if (sig.builtin?.needsMemory) {
    if (agent === undefined || !agent.hasMemory) {
      report(ctx, "AIW0303", {
        message: `'${name}' uses agent memory, but ${taskOwner(t)} ${agent ? `runs as agent '${t.agent!.name}', which has no memory` : "has no agent"}`,
        span: callee,
        label: "needs an agent with memory",
        help: agent ? `add memory: recall(top_k: 3) to agent '${t.agent!.name}'` : "add agent: NAME, for an agent with memory: recall(top_k: 3)",
      });
    }
    return sig.returns;
  }
  if (agent !== undefined && !agent.tools.has(name)) {
    const agentDecl = t.agent!.decl as A.AgentDecl;
    const toolsList = agentDecl.properties.find((p) => p.key.name === "tools")?.value;
    const fix =
      toolsList?.kind === "List"
        ? {
            message: `add '${name}' to the tools of agent '${t.agent!.name}'`,
            // After the last item (not before ']'), so a trailing comma stays valid.
            edits:
              toolsList.items.length > 0
                ? [{ span: { file: toolsList.file, start: toolsList.items[toolsList.items.length - 1]!.end, end: toolsList.items[toolsList.items.length - 1]!.end }, newText: `, ${name}` }]
                : [{ span: { file: toolsList.file, start: toolsList.end - 1, end: toolsList.end - 1 }, newText: name }],
            machineApplicable: true,
          }
        : undefined;
    report(ctx, "AIW0301", {
      message: `agent '${t.agent!.name}' may not use the tool '${name}'`,
      span: callee,
      label: `not among ${t.agent!.name}'s tools`,
      secondary: [{ span: toolsList ?? agentDecl.name, message: toolsList ? `${t.agent!.name}'s tools: ${[...agent.tools].join(", ") || "none"}` : "this agent lists no tools" }],
      help: `add '${name}' to the tools of agent '${t.agent!.name}', or run the task without this agent`,
      ...(fix ? { fix } : {}),
    });
  }
  return sig.returns;
}

/** Arguments of a tool call: positional first, then by name; each typed. */
export function checkArguments(ctx: CheckContext, env: ExprEnv, sig: ToolSignature, call: A.CallExpr): void {
  const params = sig.params;
  // The argument given for each parameter name, at the index of the first
  // parameter with that name (a small array instead of a Map by name).
  const given: (A.Argument | undefined)[] = new Array<A.Argument | undefined>(params.length).fill(undefined);
  // A misspelt argument already says which parameter it meant: not missing too.
  let meant: Set<string> | undefined;
  let sawNamed = false;
  for (let i = 0; i < call.args.length; i++) {
    const arg = call.args[i]!;
    let param: ParamSignature | undefined;
    if (arg.name === undefined) {
      if (sawNamed) {
        report(ctx, "AIW0110", { message: "a positional argument cannot follow named ones", span: arg, label: "positional after named", help: "give it by name" });
        inferExpr(env, arg.value);
        continue;
      }
      param = params[i];
      if (param === undefined) {
        report(ctx, "AIW0110", { message: `'${sig.name}' takes ${params.length} argument${params.length === 1 ? "" : "s"}, but more were given`, span: arg, label: "extra argument", notes: [signatureNote(sig)] });
        inferExpr(env, arg.value);
        continue;
      }
    } else {
      sawNamed = true;
      const argName = arg.name.name;
      for (let k = 0; k < params.length; k++) {
        if (params[k]!.name === argName) {
          param = params[k];
          break;
        }
      }
      if (param === undefined) {
        const hint = didYouMean(arg.name.name, params.map((p) => p.name));
        const near = nearNames(arg.name.name, params.map((p) => p.name), 1)[0];
        if (near !== undefined) (meant ??= new Set()).add(near);
        report(ctx, "AIW0110", {
          message: `'${sig.name}' has no parameter '${arg.name.name}'`,
          span: arg.name,
          label: "unknown argument",
          ...(hint ? { help: hint } : {}),
          notes: [signatureNote(sig)],
        });
        inferExpr(env, arg.value);
        continue;
      }
      if (param.span) ctx.references?.push({ span: arg.name, definition: param.span, kind: "parameter" });
    }
    const slot = firstParamNamed(params, param.name);
    const previous = given[slot];
    if (previous !== undefined) {
      report(ctx, "AIW0110", { message: `argument '${param.name}' is given twice`, span: arg, label: "second value", secondary: [{ span: previous, message: "first value" }] });
      inferExpr(env, arg.value);
      continue;
    }
    given[slot] = arg;
    expectType(env, arg.value, param.type, `argument '${param.name}' of '${sig.name}'`);
  }
  const missing: ParamSignature[] = [];
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    if (!p.hasDefault && given[firstParamNamed(params, p.name)] === undefined && !(meant?.has(p.name) ?? false)) missing.push(p);
  }
  if (missing.length > 0) {
    const names = missing.map((p) => p.name);
    const last = call.args[call.args.length - 1];
    const insertAt = last !== undefined ? last.end : call.argsSpan.end - 1;
    report(ctx, "AIW0111", {
      message: `'${sig.name}' needs ${names.map((n) => `'${n}'`).join(", ")}, which ${names.length === 1 ? "is" : "are"} not given`,
      span: call.argsSpan,
      label: `missing ${names.join(", ")}`,
      notes: [signatureNote(sig)],
      help: `give ${names.length === 1 ? "it" : "them"} by name, e.g. ${sig.name}(${missing.map((p) => `${p.name}: ...`).join(", ")})`,
      fix: {
        message: `add the missing argument${names.length === 1 ? "" : "s"}`,
        edits: [{ span: { file: call.argsSpan.file, start: insertAt, end: insertAt }, newText: `${call.args.length > 0 ? ", " : ""}${missing.map((p) => `${p.name}: ${placeholder(p.type)}`).join(", ")}` }],
        machineApplicable: false,
      },
    });
  }
}

/** The index of the first parameter with this name. */
function firstParamNamed(params: readonly ParamSignature[], name: string): number {
  for (let k = 0; k < params.length; k++) if (params[k]!.name === name) return k;
  return -1;
}

function placeholder(t: Type): string {
  switch (nonNull(t).kind) {
    case "string":
      return '""';
    case "number":
      return "0";
    case "boolean":
      return "false";
    case "list":
      return "[]";
    case "record":
      return "{}";
    default:
      return "null";
  }
}

export function signatureNote(sig: ToolSignature): string {
  return `${sig.name}(${sig.params.map((p) => `${p.name}: ${typeToString(p.type)}${p.hasDefault ? " = ..." : ""}`).join(", ")}) -> ${typeToString(sig.returns)}`;
}

function checkGuard(ctx: CheckContext, flow: FlowInfo, t: TaskInfo, g: A.Property, env: ExprEnv): void {
  const v = g.value;
  if (v === undefined) return;
  const guardrailName = v.kind === "Name" ? v.name : v.kind === "Call" && v.callee.kind === "Name" ? v.callee.name : undefined;
  const sym = guardrailName !== undefined && env.lookup(guardrailName) === undefined ? flow.scope.visible.get(guardrailName) : undefined;
  if (sym?.kind === "guardrail") {
    useSymbol(ctx, sym, v.kind === "Call" ? v.callee : v);
    const decl = sym.decl as A.GuardrailDecl;
    const gscope = ctx.scopes.get(sym.file.absolutePath)!;
    const silent: CheckContext = { ...ctx, diagnostics: [], references: [] };
    const params = checkParams(silent, gscope, decl.params, "");
    if (g.message) report(ctx, "AIW0205", { message: `guardrail '${sym.name}' has its own message`, span: g.message, label: "remove this 'else'" });
    if (v.kind === "Name") {
      if (params.length === 0 || params.slice(1).some((p) => !p.hasDefault)) {
        report(ctx, "AIW0111", { message: `guardrail '${sym.name}' takes ${params.length} arguments: call it, e.g. guard: ${sym.name}(...)`, span: v, label: "needs arguments" });
        return;
      }
      const p = params[0]!;
      if (!isAssignable(t.itemType, p.type)) {
        report(ctx, "AIW0201", {
          message: `guardrail '${sym.name}' checks ${typeToString(p.type)}, but task '${t.name}' outputs ${typeToString(t.itemType)}`,
          span: v,
          label: `expects ${typeToString(p.type)}`,
          help: `pass the value to check: guard: ${sym.name}(${t.name}.field)`,
        });
      }
      return;
    }
    const call = v as A.CallExpr;
    checkArguments(ctx, env, { name: sym.name, params, returns: JSON_TYPE }, call);
    return;
  }
  checkCondition(env, v, "a guard");
  if (g.message) expectType(env, g.message, STRING, "a guard's message");
}

function checkBackoff(ctx: CheckContext, e: A.Expr): void {
  const bad = () =>
    report(ctx, "AIW0205", {
      message: "backoff is fixed(DELAY) or exponential(DELAY, max: DELAY)",
      span: e,
      label: "not a backoff",
      help: "for example backoff: exponential(2s, max: 1m)",
    });
  if (e.kind !== "Call" || e.callee.kind !== "Name" || (e.callee.name !== "fixed" && e.callee.name !== "exponential")) return bad();
  const [delay, ...rest] = e.args;
  if (delay === undefined || delay.name !== undefined || delay.value.kind !== "Duration") return bad();
  for (const r of rest) {
    if (r.name?.name !== "max" || r.value.kind !== "Duration" || e.callee.name === "fixed") return bad();
  }
}

function checkInject(ctx: CheckContext, flow: FlowInfo, t: TaskInfo, e: A.Expr, env: ExprEnv): void {
  const templates = [...flow.tasks.values()].filter((x) => x.isTemplate).map((x) => x.name);
  if (t.isTemplate || t.decl.forEach) {
    report(ctx, "AIW0402", { message: `${t.isTemplate ? "a template" : "a fan-out task"} cannot inject tasks`, span: e, label: "not allowed here" });
    return;
  }
  if (templates.length === 0) {
    report(ctx, "AIW0402", { message: `task '${t.name}' injects templates, but its flow declares none`, span: e, label: "nothing to inject", help: "declare one in the flow: template NAME { run: ... }" });
    return;
  }
  const type = inferExpr(env, e);
  if (!isAssignable(type, STRING) && !isAssignable(type, list(STRING))) {
    report(ctx, "AIW0402", { message: `'inject' names templates: it must be a string or a string list, but this is ${typeToString(type)}`, span: e, label: "not template names" });
    return;
  }
  const constant = constantOrUndefined(e);
  const named = typeof constant === "string" ? [constant] : Array.isArray(constant) ? constant.filter((x): x is string => typeof x === "string") : undefined;
  if (named !== undefined) {
    for (const n of named) {
      if (!templates.includes(n)) {
        const hint = didYouMean(n, templates);
        report(ctx, "AIW0402", { message: `no template '${n}' in this flow`, span: e, label: "unknown template", ...(hint ? { help: hint } : { notes: [`templates: ${templates.join(", ")}`] }) });
      }
    }
    t.injects = templates.filter((x) => named.includes(x));
  } else {
    t.injects = templates;
  }
}

const PRESETS = ["@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@continuous"];

function checkFlowProperties(ctx: CheckContext, decl: A.FlowDecl, owner: string): void {
  const found = checkBlock(ctx, decl.properties, FLOW_PROPERTIES, owner, decl.name);
  for (const key of ["description", "owner"]) {
    const p = first(found, key);
    if (p?.value) constantValue(ctx, p.value, STRING, `a flow's ${key}`);
  }
  const tags = first(found, "tags");
  if (tags?.value) constantValue(ctx, tags.value, list(STRING), "tags");
  const schedule = first(found, "schedule");
  if (schedule?.value) {
    const v = constantValue(ctx, schedule.value, STRING, "a schedule");
    if (typeof v === "string" && !isValidSchedule(v)) {
      const hint = didYouMean(v, PRESETS);
      report(ctx, "AIW0405", {
        message: `'${v}' is not a schedule`,
        span: schedule.value,
        label: "expected a cron expression or a preset",
        ...(hint ? { help: hint } : { help: 'write five cron fields such as "0 6 * * 1-5", or @hourly, @daily, @weekly, @monthly, @yearly, @once, @continuous' }),
      });
    }
  }
  const start = first(found, "start");
  if (start?.value) {
    const v = constantValue(ctx, start.value, STRING, "a start date");
    if (typeof v === "string" && normalizeStartDate(v) === undefined) {
      report(ctx, "AIW0205", { message: `'${v}' is not a date`, span: start.value, label: "expected YYYY-MM-DD or an ISO date-time with a time zone", help: 'e.g. start: "2026-01-01" (midnight UTC)' });
    }
  }
}

/** Five cron fields (numbers, ranges, steps, lists, names) or a preset. */
export function isValidSchedule(s: string): boolean {
  if (PRESETS.includes(s)) return true;
  const fields = s.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  const limits: [number, number][] = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  const names = [[], [], [], ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]];
  return fields.every((f, i) =>
    f.split(",").every((part) => {
      const pieces = part.split("/");
      if (pieces.length > 2) return false;
      const [range, step] = pieces;
      if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) return false;
      if (range === "*") return true;
      const ends = range!.split("-");
      if (ends.length > 2) return false;
      const values = ends.map((x) => {
        const named = (names[i] as string[]).indexOf(x.toLowerCase());
        if (named >= 0) return i === 3 ? named + 1 : named;
        if (!/^\d+$/.test(x)) return NaN;
        const n = Number(x);
        return n >= limits[i]![0] && n <= limits[i]![1] ? n : NaN;
      });
      if (values.some(Number.isNaN)) return false;
      // A range runs upwards: 5-1 is not a range.
      return values.length === 1 || values[0]! <= values[1]!;
    }),
  );
}

/** `2026-01-01` or an ISO date-time with Z or an offset -> ISO string in UTC; undefined when invalid. */
export function normalizeStartDate(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2}))?$/.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h = "00", mi = "00", sec = "00", zone = "Z"] = m;
  // Date() rolls 2026-02-31 over to March: check every field stays as written.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)));
  const fields = [check.getUTCFullYear(), check.getUTCMonth() + 1, check.getUTCDate(), check.getUTCHours(), check.getUTCMinutes(), check.getUTCSeconds()];
  if (fields.join() !== [y, mo, d, h, mi, sec].map(Number).join()) return undefined;
  const tz = /^[+-](\d{2}):(\d{2})$/.exec(zone);
  if (tz !== null && (Number(tz[1]) > 14 || Number(tz[2]) > 59)) return undefined;
  const when = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec}${zone}`);
  if (Number.isNaN(when.getTime())) return undefined;
  return when.toISOString().replace(".000Z", "Z");
}

function checkReturn(ctx: CheckContext, flow: FlowInfo, inputsRead: Set<string>): void {
  const decl = flow.decl;
  const env = envFor(ctx, flow, undefined, { self: "none", loopVariable: false, reporting: true, inputsRead });
  const declared = decl.returns ? resolveType(ctx, flow.scope, decl.returns) : undefined;
  if (decl.returnValue) {
    const t = inferExpr(env, decl.returnValue);
    if (declared !== undefined && !isAssignable(t, declared)) {
      report(ctx, "AIW0404", {
        message: `flow '${decl.name.name}' returns ${typeToString(t)}, but declares ${typeToString(declared)}`,
        span: decl.returnValue,
        label: `expected ${typeToString(declared)}`,
        secondary: [{ span: decl.returns!, message: "declared here" }],
      });
    }
    flow.returnType = declared ?? t;
  } else if (declared !== undefined) {
    report(ctx, "AIW0404", {
      message: `flow '${decl.name.name}' declares that it returns ${typeToString(declared)}, but has no 'return'`,
      span: decl.returns!,
      label: "declared output",
      help: "add 'return TASK' at the end of the flow",
    });
  }
}
