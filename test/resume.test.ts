// Crash and resume: the CLI is killed (SIGKILL) before a checkpoint write,
// after the write but before it is acknowledged, and between tasks, at every
// checkpoint; `aiwc run --resume` then finishes the run. Side effects are
// recorded in a file outside the store. One suite per state store.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStateStore } from "../runtime/state/open-store.ts";
import { startRedisServer } from "./helpers/redis-server.ts";

const repo = path.resolve(import.meta.dirname, "..");
const aiwc = path.join(repo, "bin/aiwc.js");
const flow = path.join(repo, "test/fixtures/runtime/crash.aiw");
/** Task checkpoints of the crash flow: a, b, c, d, e, f. */
const CHECKPOINTS = 6;
const POINTS = ["before-write", "after-write", "between-tasks"] as const;
/** The idempotency keys of every step (fan-out items have their own). */
const STEPS = ["a", "b", "c", "d:0", "d:1", "d:2", "e", "f"];

function cli(args: string[], env: Record<string, string>, cwd: string) {
  return spawnSync(process.execPath, [aiwc, ...args], { cwd, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
}

/** "RUNID:d:1" -> "d:1". */
function stepOf(key: string): string {
  return key.slice(key.indexOf(":") + 1);
}

/** Steps with a completion (task or fan-out item) in the store's log. */
async function finishedSteps(url: string, dir: string, runId: string): Promise<Set<string>> {
  const s = await openStateStore(url, dir);
  try {
    const stored = await s.loadRun(runId);
    const out = new Set<string>();
    for (const r of stored?.log ?? []) {
      if (r.kind === "item") out.add(`${r.taskId}:${r.index}`);
      if (r.kind === "task" && r.state === "COMPLETED" && r.taskId !== "d") out.add(r.taskId);
    }
    return out;
  } finally {
    await s.close();
  }
}

type Store = { name: string; url: (dir: string) => Promise<string> };

let redis: ReturnType<typeof startRedisServer> | undefined;
afterAll(async () => {
  if (redis !== undefined) await (await redis).stop();
});
const stores: Store[] = [
  { name: "sqlite", url: async (dir) => `sqlite:${path.join(dir, "state.db")}` },
  {
    name: "redis",
    url: async () => {
      redis ??= startRedisServer();
      return (await redis).url;
    },
  },
];

describe.each(stores)("crash and resume with the $name store", (store) => {
  const reference = (() => {
    let cached: Promise<{ output: unknown; tasks: Record<string, { output?: unknown }> }> | undefined;
    return () =>
      (cached ??= (async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "aiw-ref-"));
        const r = cli(["run", flow, "--input", "start=1", "--state", await store.url(dir), "--json"], { AIW_TEST_EFFECTS: path.join(dir, "effects") }, dir);
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout);
      })());
  })();

  for (const point of POINTS) {
    for (let n = 1; n <= CHECKPOINTS; n++) {
      it(`resumes after a kill ${point} checkpoint ${n}: every step once, same outputs`, async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "aiw-crash-"));
        const url = await store.url(dir);
        const effects = path.join(dir, "effects");
        const killed = cli(["run", flow, "--input", "start=1", "--state", url], { AIW_STATE_FAULT: `${point}:${n}`, AIW_TEST_EFFECTS: effects }, dir);
        expect(killed.signal, killed.stderr).toBe("SIGKILL");
        const runId = /run (\S+): flow crash started/.exec(killed.stderr)?.[1];
        expect(runId).toBeDefined();

        // What the store says was finished when the process died.
        const finished = await finishedSteps(url, dir, runId!);

        const resumed = cli(["run", "--resume", runId!, "--state", url, "--json"], { AIW_TEST_EFFECTS: effects }, dir);
        expect(resumed.status, resumed.stderr).toBe(0);
        const result = JSON.parse(resumed.stdout);
        const ref = await reference();
        expect(result.status).toBe("COMPLETED");
        expect(result.output).toEqual(ref.output);
        for (const [id, t] of Object.entries(ref.tasks)) expect(result.tasks[id].output, id).toEqual((t as { output?: unknown }).output);

        // Every step's effect applied exactly once (tools get a stable idempotency key).
        const applied = lines(effects).map(stepOf);
        expect(applied.sort()).toEqual([...STEPS].sort());
        // A step the store had recorded as finished is never run again. Steps that
        // were running when the process died may run twice (at least once).
        const invocations = lines(`${effects}.invocations`).map(stepOf);
        for (const step of finished) expect(invocations.filter((x) => x === step), step).toHaveLength(1);
        if (point !== "before-write") expect(finished.size).toBeGreaterThanOrEqual(Math.min(n, CHECKPOINTS));

        // The store holds exactly one completion per task.
        const s = await openStateStore(url, dir);
        try {
          const stored = await s.loadRun(runId!);
          expect(stored?.status).toBe("COMPLETED");
          const completed = stored!.log.filter((r) => r.kind === "task" && r.state === "COMPLETED").map((r) => (r as { taskId: string }).taskId);
          expect(completed.sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
        } finally {
          await s.close();
        }
      });
    }
  }
});
