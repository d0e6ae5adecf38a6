// One task (or one fan-out item) from first attempt to final outcome:
// arguments, the tool call under a timeout that aborts it, the output's shape,
// guards, and retries with backoff. Knows nothing of the graph or the store.

import type { IrProgram, IrTask } from "../compiler/ir.ts";
import { EvaluationError, evaluate, type Scope } from "./expressions.ts";
import { cacheKey, type ResultCache } from "./cache.ts";
import type { ToolContext, ToolFunction } from "./tools/tool.ts";
import { checkValue, setField, toText, withDefaults, type Record_, type Value } from "./values.ts";

export interface AttemptEnvironment {
  readonly program: IrProgram;
  readonly scope: Scope;
  /** The tool the task runs (undefined for an expression task). */
  readonly tool?: ToolFunction;
  /** Everything but signal and attempt. */
  readonly context: Omit<ToolContext, "signal" | "attempt">;
  readonly defaultTimeoutMs: number;
  /** The run's own signal (cancellation). */
  readonly runSignal?: AbortSignal;
  readonly random: () => number;
  /** For tasks with `cache:`: the result cache and the IR's hash (part of the key). */
  readonly cache?: { readonly store: ResultCache; readonly irHash: string; readonly onLookup: (hit: boolean) => void };
  readonly onAttemptStart: (attempt: number) => void;
  readonly onRetry: (attempt: number, error: string, delayMs: number) => void;
  /** The loop variable of a fan-out item. */
  readonly item?: { readonly variable: string; readonly value: Value };
}

export type Outcome = { readonly ok: true; readonly output: Value; readonly attempts: number; readonly guardFailures: string[] } | { readonly ok: false; readonly error: string; readonly attempts: number; readonly guardFailures: string[] };

/** A failure that retrying cannot fix (an argument that does not evaluate). */
class Permanent extends Error {}

class AttemptTimeout extends Error {}

export async function runTask(task: IrTask, env: AttemptEnvironment): Promise<Outcome> {
  const maxAttempts = task.retries + 1;
  const guardFailures: string[] = [];
  const scope = itemScope(env);
  let lastError = "";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    env.onAttemptStart(attempt);
    try {
      const produced = await produce(task, env, scope, attempt);
      const output = withDefaults(produced.value, task.output, env.program);
      const shape = checkValue(output, task.output, env.program);
      if (shape !== undefined) throw new Error(`${task.run.kind === "tool" ? `tool '${task.run.tool}'` : "the run expression"} returned the wrong shape: ${shape}`);
      const failed = checkGuards(task, env, scope, output);
      if (failed === undefined) {
        if (produced.cacheKey !== undefined && env.cache !== undefined) await env.cache.store.set(produced.cacheKey, output, task.cacheTtlMs!).catch(() => undefined);
        return { ok: true, output, attempts: attempt, guardFailures };
      }
      guardFailures.push(failed);
      lastError = `guard failed: ${failed}`;
    } catch (err) {
      lastError = messageOf(err);
      if (err instanceof Permanent || err instanceof EvaluationError) return { ok: false, error: lastError, attempts: attempt, guardFailures };
      if (env.runSignal?.aborted) return { ok: false, error: "the run was cancelled", attempts: attempt, guardFailures };
    }
    if (attempt < maxAttempts) {
      const delayMs = backoffDelay(task, attempt, env.random);
      env.onRetry(attempt, lastError, delayMs);
      if (!(await sleep(delayMs, env.runSignal))) return { ok: false, error: "the run was cancelled", attempts: attempt, guardFailures };
    }
  }
  return { ok: false, error: lastError, attempts: maxAttempts, guardFailures };
}

function itemScope(env: AttemptEnvironment): Scope {
  if (env.item === undefined) return env.scope;
  const vars: Record_ = { ...(env.scope.vars ?? {}) };
  setField(vars, env.item.variable, env.item.value);
  return { inputs: env.scope.inputs, output: (id) => env.scope.output(id), vars };
}

/** A result, with the cache key to store it under once it passes its guards. */
interface Produced {
  readonly value: Value;
  readonly cacheKey?: string;
}

async function produce(task: IrTask, env: AttemptEnvironment, scope: Scope, attempt: number): Promise<Produced> {
  if (task.run.kind === "expr") return { value: evaluate(task.run.expr, scope) };
  const args: Record_ = {};
  try {
    for (const name of Object.keys(task.run.args)) setField(args, name, evaluate(task.run.args[name]!, scope));
  } catch (err) {
    throw new Permanent(`argument could not be evaluated: ${messageOf(err)}`);
  }
  const tool = env.tool;
  if (tool === undefined) throw new Permanent(`tool '${task.run.tool}' is not available`);
  const cached = task.cacheTtlMs !== undefined && env.cache !== undefined ? { ...env.cache, key: cacheKey(env.cache.irHash, task.id, args) } : undefined;
  if (cached !== undefined) {
    const hit = await cached.store.get(cached.key).catch(() => undefined);
    cached.onLookup(hit !== undefined);
    if (hit !== undefined) return { value: hit };
  }
  const value = await callTool(task, env, tool, args, attempt);
  // Stored by runTask, once the guards accept it.
  return cached !== undefined ? { value, cacheKey: cached.key } : { value };
}

async function callTool(task: IrTask, env: AttemptEnvironment, tool: ToolFunction, args: Record_, attempt: number): Promise<Value> {
  const timeoutMs = task.timeoutMs ?? env.defaultTimeoutMs;
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(env.runSignal?.reason);
  env.runSignal?.addEventListener("abort", onRunAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const ctx: ToolContext = { ...env.context, signal: controller.signal, attempt };
    const result = tool(args, ctx);
    // A tool that answered synchronously needs no timer.
    if (!isPromiseLike(result)) return result;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new AttemptTimeout(`timed out after ${formatMs(timeoutMs)}`);
        // Settle the race first: a tool rejecting on abort must not win it.
        reject(e);
        controller.abort(e);
      }, timeoutMs);
    });
    // The race ends the attempt on time even if the tool ignores its signal.
    return await Promise.race([result, timedOut]);
  } finally {
    clearTimeout(timer);
    env.runSignal?.removeEventListener("abort", onRunAbort);
  }
}

/** The message of the first guard that fails, or undefined. */
function checkGuards(task: IrTask, env: AttemptEnvironment, scope: Scope, output: Value): string | undefined {
  if (task.guards.length === 0) return undefined;
  try {
    return firstFailingGuard(task, env, scope, output);
  } catch (err) {
    // Output varies between attempts, so a guard that cannot be evaluated is a failed attempt.
    if (err instanceof EvaluationError) return `a guard could not be evaluated: ${err.message}`;
    throw err;
  }
}

function firstFailingGuard(task: IrTask, env: AttemptEnvironment, scope: Scope, output: Value): string | undefined {
  const own: Scope = { inputs: scope.inputs, output: (id) => (id === task.id || id === templateName(task) ? output : scope.output(id)), ...(scope.vars ? { vars: scope.vars } : {}) };
  for (const g of task.guards) {
    if (g.kind === "check") {
      const ok = evaluate(g.condition, own);
      if (ok !== true) return toText(evaluate(g.message, own));
      continue;
    }
    const rail = env.program.guardrails[g.guardrail];
    if (rail === undefined) throw new Permanent(`no guardrail '${g.guardrail}'`);
    const vars: Record_ = {};
    rail.params.forEach((p, i) => setField(vars, p.name, g.args[i] !== undefined ? evaluate(g.args[i]!, own) : (p.default ?? null)));
    const railScope: Scope = { inputs: {}, output: () => undefined, vars };
    if (evaluate(rail.condition, railScope) !== true) return toText(evaluate(rail.message, railScope));
  }
  return undefined;
}

/** Injected tasks keep their template's name in their own guards. */
function templateName(task: IrTask): string {
  const dot = task.id.lastIndexOf(".");
  return dot >= 0 ? task.id.slice(dot + 1) : task.id;
}

/** Fixed: the delay. Exponential: delay * 2^(attempt-1), capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(task: IrTask, attempt: number, random: () => number): number {
  const b = task.backoff;
  if (b.kind === "fixed") return b.delayMs;
  const raw = b.delayMs * 2 ** (attempt - 1);
  const capped = Math.min(raw, b.maxDelayMs ?? Number.MAX_SAFE_INTEGER);
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** Resolves true after ms, or false as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function isPromiseLike(v: unknown): v is PromiseLike<Value> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === "string" ? err : "the tool failed with a value that is not an error";
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
