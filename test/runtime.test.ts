// The runtime on real flows: concurrency, retries and guards, timeouts that
// abort, skips, fan-out, injection, bad inputs and misbehaving tools. Flows
// are compiled from source; tools are real modules (test/fixtures/runtime).

import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";
import type { IrProgram } from "../compiler/ir.ts";
import { EventBus, type RunEvent } from "../runtime/events.ts";
import { evaluate, EvaluationError } from "../runtime/expressions.ts";
import { InputError, runFlow } from "../runtime/run.ts";
import { testState } from "./fixtures/runtime/tools.ts";

const repo = path.resolve(import.meta.dirname, "..");
const TOOLS = `
tool wait(name: string, ms: number) -> { name: string } { ts: "./test/fixtures/runtime/tools.ts#wait" }
tool flaky(pass_on: number) -> { score: number, attempt: number } { ts: "./test/fixtures/runtime/tools.ts#flaky" }
tool boom(message: string) -> { x: number } { ts: "./test/fixtures/runtime/tools.ts#boom" }
tool hang() -> { x: number } { ts: "./test/fixtures/runtime/tools.ts#hang" }
tool deaf() -> { x: number } { ts: "./test/fixtures/runtime/tools.ts#deaf" }
tool wrong_shape() -> { score: number } { ts: "./test/fixtures/runtime/tools.ts#wrong_shape" }
`;

function compileFlow(source: string): IrProgram {
  const c = compileSources({ [path.join(repo, "flow.aiw")]: TOOLS + source });
  const errors = c.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0 || c.ir === undefined) throw new Error(errors.map((d) => d.message).join("\n"));
  return c.ir;
}

function workDir(): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-run-")));
}

async function run(source: string, inputs: Record<string, unknown> = {}, options: { concurrency?: number; events?: EventBus } = {}) {
  const ir = compileFlow(source);
  const flow = Object.keys(ir.flows)[0]!;
  return runFlow(ir, flow, inputs, { workDir: workDir(), baseDir: repo, random: () => 0.5, ...options });
}

beforeEach(() => {
  const s = testState();
  s.inFlight = 0;
  s.maxInFlight = 0;
  s.order.length = 0;
});

describe("scheduling", () => {
  it("runs 50 independent tasks that each wait 200 ms all at once", async () => {
    const tasks = Array.from({ length: 50 }, (_, i) => `task w${i} { run: wait(name: "w${i}", ms: 200) }`).join("\n");
    const r = await run(`flow f() {\n${tasks}\n}`, {}, { concurrency: 64 });
    expect(r.status).toBe("COMPLETED");
    expect(testState().maxInFlight).toBe(50);
  });

  it("never runs more tasks at once than the concurrency limit", async () => {
    const tasks = Array.from({ length: 20 }, (_, i) => `task w${i} { run: wait(name: "w${i}", ms: 20) }`).join("\n");
    const r = await run(`flow f() {\n${tasks}\n}`, {}, { concurrency: 4 });
    expect(r.status).toBe("COMPLETED");
    expect(testState().maxInFlight).toBe(4);
  });

  it("finishes a fast branch while a slow sibling is still running", async () => {
    const events: RunEvent[] = [];
    const bus = new EventBus();
    bus.on((e) => events.push(e));
    const r = await run(
      `flow f() {
        task slow { run: wait(name: "slow", ms: 400) }
        task fast1 { run: wait(name: "fast1", ms: 10) }
        task fast2 after fast1 { run: wait(name: "fast2", ms: 10) }
      }`,
      {},
      { events: bus },
    );
    expect(r.status).toBe("COMPLETED");
    const done = events.filter((e) => e.type === "task.complete").map((e) => (e as { taskId: string }).taskId);
    expect(done).toEqual(["fast1", "fast2", "slow"]);
  });

  it("starts a task only after everything it waits for has ended", async () => {
    await run(`flow f() {
      task a { run: wait(name: "a", ms: 30) }
      task b after a { run: wait(name: "b", ms: 1) }
      task c { run: wait(name: "c", ms: 60) }
      task d { run: "\${b.name}\${c.name}" }
    }`);
    expect(testState().order).toEqual(["a", "b", "c"]);
  });
});

describe("attempts", () => {
  it("retries when a guard fails and records each guard message", async () => {
    const r = await run(`flow f() {
      task t {
        run: flaky(pass_on: 3)
        guard: t.score > 0.5 else "score too low on attempt \${t.attempt}"
        retries: 3
        backoff: fixed(1ms)
      }
    }`);
    expect(r.status).toBe("COMPLETED");
    expect(r.tasks["t"]!.attempts).toBe(3);
    expect(r.tasks["t"]!.guardFailures).toEqual(["score too low on attempt 1", "score too low on attempt 2"]);
  });

  it("fails a task whose guard still fails after its last retry", async () => {
    const r = await run(`flow f() {
      task t { run: flaky(pass_on: 9) guard: t.score > 0.5 else "unsure" retries: 1 backoff: exponential(1ms, max: 2ms) }
      task after_t after t { run: 1 }
    }`);
    expect(r.status).toBe("FAILED");
    expect(r.tasks["t"]).toMatchObject({ state: "FAILED", attempts: 2, error: "guard failed: unsure" });
    expect(r.tasks["after_t"]).toMatchObject({ state: "SKIPPED", reason: "'t' failed" });
  });

  it("applies a named guardrail to the task's output", async () => {
    const r = await run(`
      guardrail confident(r: { score: number, attempt: number }) = r.score >= 0.5 else "not confident: \${r.score}"
      flow f() { task t { run: flaky(pass_on: 2) guard: confident retries: 2 backoff: fixed(1ms) } }`);
    expect(r.tasks["t"]).toMatchObject({ state: "COMPLETED", attempts: 2, guardFailures: ["not confident: 0.1"] });
  });

  it("aborts a timed-out attempt through its AbortSignal", async () => {
    const r = await run(`flow f() { task t { run: hang() timeout: 50ms retries: 1 backoff: fixed(1ms) } }`);
    expect(r.tasks["t"]).toMatchObject({ state: "FAILED", attempts: 2, error: "timed out after 50ms" });
    expect(testState().order).toEqual(["aborted:t", "aborted:t"]);
  });

  it("ends the attempt on time even when the tool ignores its signal", async () => {
    const r = await run(`flow f() { task t { run: deaf() timeout: 30ms } }`);
    expect(r.tasks["t"]).toMatchObject({ state: "FAILED", error: "timed out after 30ms" });
  });

  it("fails a task whose tool throws, with the tool's message", async () => {
    const r = await run(`flow f() { task t { run: boom(message: "disk full") } }`);
    expect(r.status).toBe("FAILED");
    expect(r.tasks["t"]).toMatchObject({ state: "FAILED", error: "disk full" });
    expect(r.error).toBe("task 't' failed: disk full");
  });

  it("fails a task whose tool returns the wrong shape, saying where", async () => {
    const r = await run(`flow f() { task t { run: wrong_shape() } }`);
    expect(r.tasks["t"]!.error).toBe("tool 'wrong_shape' returned the wrong shape: score: expected number, found string");
  });

  it("uses exponential backoff with jitter between attempts", async () => {
    const delays: number[] = [];
    const bus = new EventBus();
    bus.on((e) => {
      if (e.type === "task.retry") delays.push(e.delayMs);
    });
    await run(`flow f() { task t { run: boom(message: "x") retries: 3 backoff: exponential(4ms, max: 10ms) } }`, {}, { events: bus });
    // random() is 0.5: half fixed, half jitter -> 3/4 of 4, 8, 10 (capped).
    expect(delays).toEqual([3, 6, 8]);
  });
});

describe("control flow", () => {
  it("skips a task whose when is false, and tasks that read it", async () => {
    const r = await run(`flow f(n: number) {
      task big when n > 10 { run: n * 2 }
      task uses_big { run: big + 1 }
      task other { run: n }
      task join after big, other { run: "done" }
    }`, { n: 3 });
    expect(r.status).toBe("COMPLETED");
    expect(r.tasks["big"]).toMatchObject({ state: "SKIPPED", reason: "its 'when' condition is false" });
    expect(r.tasks["uses_big"]).toMatchObject({ state: "SKIPPED", reason: "it reads 'big', which was skipped" });
    expect(r.tasks["join"]).toMatchObject({ state: "COMPLETED", output: "done" });
  });

  it("fans out over a list and keeps the items' order", async () => {
    const r = await run(`flow f(names: string[]) {
      task each for n in names { run: wait(name: upper(n), ms: 40 - len(n) * 10) }
      task names_of for e in each { run: e.name }
      task joined { run: join(names_of, ",") }
    }`, { names: ["a", "bb", "ccc"] });
    expect(r.tasks["each"]!.output).toEqual([{ name: "A" }, { name: "BB" }, { name: "CCC" }]);
    expect(r.tasks["joined"]!.output).toBe("A,BB,CCC");
    expect(testState().order).toEqual(["CCC", "BB", "A"]);
  });

  it("injects the templates a task's result names, and its dependants wait for them", async () => {
    const r = await run(`flow f(steps: string[]) {
      task plan { run: { steps: steps } inject: plan.steps }
      template slow_step { run: wait(name: "slow_step", ms: 50) }
      template quick_step { run: wait(name: "quick_step", ms: 1) }
      template unused_step { run: wait(name: "unused_step", ms: 1) }
      task finish after plan { run: "finished" }
    }`, { steps: ["slow_step", "quick_step"] });
    expect(r.status).toBe("COMPLETED");
    expect(Object.keys(r.tasks).sort()).toEqual(["finish", "plan", "plan.quick_step", "plan.slow_step"]);
    expect(r.tasks["plan.slow_step"]).toMatchObject({ state: "COMPLETED", injectedBy: "plan" });
    expect(testState().order).toEqual(["quick_step", "slow_step"]);
  });

  it("runs the templates one task injects side by side, not one after the other", async () => {
    const r = await run(`flow f() {
      task plan { run: { steps: ["one", "two", "three"] } inject: plan.steps }
      template one { run: wait(name: "one", ms: 60) }
      template two { run: wait(name: "two", ms: 60) }
      template three { run: wait(name: "three", ms: 60) }
      task finish after plan { run: "finished" }
    }`);
    expect(r.status).toBe("COMPLETED");
    expect(testState().maxInFlight).toBe(3);
  });

  it("fills record defaults inside an input's default value", async () => {
    const r = await run(`
      type Settings { name: string level: number = 3 }
      flow f(settings: Settings = { name: "x" }) { task t { run: settings.level } }`);
    expect(r.tasks["t"]!.output).toBe(3);
  });

  it("fails the injecting task when its result names an unknown template", async () => {
    const r = await run(`flow f() {
      task plan { run: { steps: ["nope"] } inject: plan.steps }
      template real_step { run: 1 }
    }`);
    expect(r.tasks["plan"]).toMatchObject({ state: "FAILED", error: "'inject' chose 'nope', which is not one of its templates (real_step)" });
  });
});

describe("agents", () => {
  it("refuses at run time a tool the task's agent may not use, even in hand-made IR", async () => {
    const ir = compileFlow(`
      agent careful { role: "r" goal: "g" tools: [flaky] }
      flow f() { task t { agent: careful run: flaky(pass_on: 1) } }`);
    const forged = structuredClone(ir) as unknown as { agents: Record<string, { tools: string[] }> };
    forged.agents["careful"]!.tools = [];
    const r = await runFlow(forged as unknown as IrProgram, "f", {}, { workDir: workDir(), baseDir: repo });
    expect(r.tasks["t"]).toMatchObject({ state: "FAILED", error: "agent 'careful' may not use the tool 'flaky'" });
  });
});

describe("inputs", () => {
  it("refuses a missing input before anything runs", async () => {
    await expect(run(`flow f(doc: string) { task t { run: wait(name: doc, ms: 1) } }`)).rejects.toThrow(InputError);
    expect(testState().order).toEqual([]);
  });

  it("refuses an ill-typed input, naming the input and what was expected", async () => {
    await expect(run(`flow f(n: number) { task t { run: n } }`, { n: "three" })).rejects.toThrow("input 'n': expected number, found string");
  });

  it("refuses inputs the flow does not declare", async () => {
    await expect(run(`flow f(n: number) { task t { run: n } }`, { n: 1, m: 2 })).rejects.toThrow("'m' is not an input of flow 'f'");
  });

  it("fills in defaults", async () => {
    const r = await run(`flow f(n: number = 4) { task t { run: n * n } }`);
    expect(r.tasks["t"]!.output).toBe(16);
  });
});

describe("expressions", () => {
  const scope = { inputs: {}, output: () => undefined };
  it("stops an expression that exceeds its work budget", () => {
    const big = { op: "call", fn: "split", args: [{ op: "lit", value: "a,".repeat(100) }, { op: "lit", value: "," }] } as const;
    expect(() => evaluate(big, scope, { steps: 10, maxLength: 1000 })).toThrow(EvaluationError);
  });

  it("refuses to build a string over the size limit", () => {
    const e = { op: "binary", operator: "+", left: { op: "lit", value: "x".repeat(600) }, right: { op: "lit", value: "y".repeat(600) } } as const;
    expect(() => evaluate(e, scope, { steps: 1_000_000, maxLength: 1000 })).toThrow("string too large");
  });

  it("rounds half away from zero in decimal", () => {
    const r = (x: number, d: number) => evaluate({ op: "call", fn: "round", args: [{ op: "lit", value: x }, { op: "lit", value: d }] }, scope);
    expect([r(2.5, 0), r(-2.5, 0), r(1.005, 2), r(0.125, 2)]).toEqual([3, -3, 1.01, 0.13]);
  });

  it("reports division by zero instead of returning Infinity", () => {
    expect(() => evaluate({ op: "binary", operator: "/", left: { op: "lit", value: 1 }, right: { op: "lit", value: 0 } }, scope)).toThrow("division by zero");
  });
});
