// The result cache against a real redis-server: a second identical run is
// served from the cache (from the in-process LRU, and from Redis for a fresh
// process's cache), a change of the flow's IR or of the inputs misses, and
// Redis going away (or never being there) degrades to the in-process cache
// with a logged warning, never a failed run.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Registry } from "prom-client";
import { createClient } from "redis";
import { beforeEach, describe, expect, it } from "vitest";
import { compileSources } from "../compiler/compile.ts";
import type { IrProgram } from "../compiler/ir.ts";
import { EventBus, type RunEvent } from "../runtime/events.ts";
import { TieredResultCache, type CacheLogger } from "../runtime/result-cache.ts";
import { runFlow } from "../runtime/run.ts";
import { callCount, resetCalls } from "./fixtures/serve/tools.ts";
import { startRedisServer, useRedisServer } from "./helpers/redis-server.ts";

const repo = path.resolve(import.meta.dirname, "..");
const redis = useRedisServer();

const FLOW = (extra = "") => `
tool shout(text: string) -> { text: string } { ts: "./test/fixtures/serve/tools.ts#shout" }
flow loud(word: string) {
  task up {
    run: shout(text: word)
    cache: 1h
  }
  ${extra}
  return up.text
}
`;

function compile(source: string): IrProgram {
  const c = compileSources({ [path.join(repo, "cached.aiw")]: source });
  if (c.ir === undefined) throw new Error(c.diagnostics.map((d) => d.message).join("\n"));
  return c.ir;
}

const work = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-cache-")));

async function run(ir: IrProgram, word: string, cache: TieredResultCache) {
  const events: RunEvent[] = [];
  const bus = new EventBus();
  bus.on((e) => events.push(e));
  const result = await runFlow(ir, "loud", { word }, { workDir: work, baseDir: repo, cache, events: bus });
  const lookups = events.filter((e) => e.type === "task.cache").map((e) => (e as { hit: boolean }).hit);
  return { result, lookups };
}

/** A redis-server on a given port (to bring one back where it was), stopped by the caller. */
async function startRedisOn(port: number): Promise<ChildProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), "aiw-redis-back-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const probe = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      await probe.close();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not come back on port ${port}`);
}

function memoryLogger(): CacheLogger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    warn: (_f, message) => lines.push({ level: "warn", message }),
    info: (_f, message) => lines.push({ level: "info", message }),
  };
}

beforeEach(() => resetCalls());

describe("result cache on a real Redis", () => {
  it("serves a second identical run from the in-process LRU, and a fresh cache from Redis", async () => {
    const ir = compile(FLOW());
    const prefix = `t1:${Date.now()}:`;
    const registry = new Registry();
    const first = await TieredResultCache.open({ redisUrl: redis.url, prefix, registry });
    const a = await run(ir, "hello", first);
    expect(a.result.status).toBe("COMPLETED");
    expect(a.result.output).toBe("HELLO");
    expect(a.lookups).toEqual([false]);
    const b = await run(ir, "hello", first);
    expect(b.result.output).toBe("HELLO");
    expect(b.lookups).toEqual([true]);
    expect(callCount("shout:hello")).toBe(1);
    expect(first.stats()).toMatchObject({ memoryHits: 1, redisHits: 0, misses: 1 });
    const text = await registry.metrics();
    expect(text).toMatch(/aiwork_result_cache_lookups_total\{tier="memory",result="hit"\} 1/);
    expect(text).toMatch(/aiwork_result_cache_lookups_total\{tier="redis",result="miss"\} 1/);
    await first.close();

    // Another process (here: another cache object) finds the result in Redis.
    const second = await TieredResultCache.open({ redisUrl: redis.url, prefix });
    const c = await run(ir, "hello", second);
    expect(c.result.output).toBe("HELLO");
    expect(c.lookups).toEqual([true]);
    expect(second.stats()).toMatchObject({ memoryHits: 0, redisHits: 1, misses: 0 });
    expect(callCount("shout:hello")).toBe(1);
    // The Redis hit was copied into the LRU.
    await run(ir, "hello", second);
    expect(second.stats()).toMatchObject({ memoryHits: 1, redisHits: 1 });
    await second.close();

    // The entry carries the task's time to live.
    const client = createClient({ url: redis.url });
    await client.connect();
    const keys = await client.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    const ttl = await client.pTTL(keys[0]!);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    await client.close();
  });

  it("misses when the flow's IR changes or the inputs change", async () => {
    const prefix = `t2:${Date.now()}:`;
    const cache = await TieredResultCache.open({ redisUrl: redis.url, prefix });
    const ir = compile(FLOW());
    expect((await run(ir, "one", cache)).lookups).toEqual([false]);
    expect((await run(ir, "one", cache)).lookups).toEqual([true]);
    // Other inputs: a different key.
    expect((await run(ir, "two", cache)).lookups).toEqual([false]);
    // Same task and inputs, but the flow's IR differs (one more task).
    const changed = compile(FLOW(`task other { run: "x" }`));
    expect((await run(changed, "one", cache)).lookups).toEqual([false]);
    expect((await run(changed, "one", cache)).lookups).toEqual([true]);
    expect(callCount("shout:one")).toBe(2);
    expect(callCount("shout:two")).toBe(1);
    await cache.close();
  });

  it("goes on with the in-process cache and a logged warning when Redis goes away, and uses Redis again when it is back", async () => {
    const own = await startRedisServer();
    const log = memoryLogger();
    const cache = await TieredResultCache.open({ redisUrl: own.url, prefix: "t3:", logger: log, retryAfterMs: 200 });
    const ir = compile(FLOW());
    expect((await run(ir, "before", cache)).lookups).toEqual([false]);
    await own.stop();

    // Same run again: served from the LRU; new inputs: a miss, the tool runs; nothing fails.
    const again = await run(ir, "before", cache);
    expect(again.result.status).toBe("COMPLETED");
    expect(again.lookups).toEqual([true]);
    const other = await run(ir, "during", cache);
    expect(other.result.status).toBe("COMPLETED");
    expect(other.result.output).toBe("DURING");
    expect(other.lookups).toEqual([false]);
    expect((await run(ir, "during", cache)).lookups).toEqual([true]);
    const warnings = log.lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable .*in-process cache only/);
    expect(cache.stats().redisUp).toBe(false);

    // Redis comes back on the same port: the cache notices and stores there again.
    const back = await startRedisOn(own.port);
    try {
      const deadline = Date.now() + 10_000;
      while (!cache.stats().redisUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(cache.stats().redisUp).toBe(true);
      expect(log.lines.at(-1)).toMatchObject({ level: "info" });
      expect(log.lines.at(-1)!.message).toMatch(/is back/);
      expect((await run(ir, "after", cache)).lookups).toEqual([false]);
      const fresh = await TieredResultCache.open({ redisUrl: own.url, prefix: "t3:" });
      expect((await run(ir, "after", fresh)).lookups).toEqual([true]);
      expect(fresh.stats().redisHits).toBe(1);
      await fresh.close();
    } finally {
      await cache.close();
      back.kill("SIGTERM");
      await new Promise((r) => back.once("exit", r));
    }
  });

  it("starts on the in-process cache when Redis is not there at all", async () => {
    const gone = await startRedisServer();
    const url = gone.url;
    await gone.stop();
    const log = memoryLogger();
    const started = Date.now();
    const cache = await TieredResultCache.open({ redisUrl: url, logger: log, connectWaitMs: 500 });
    expect(Date.now() - started).toBeLessThan(3000);
    const ir = compile(FLOW());
    const a = await run(ir, "offline", cache);
    expect(a.result.status).toBe("COMPLETED");
    expect((await run(ir, "offline", cache)).lookups).toEqual([true]);
    expect(log.lines.filter((l) => l.level === "warn")).toHaveLength(1);
    await cache.close();
  });
});

describe("aiwc run --cache", () => {
  it("serves the second CLI run of a flow from Redis, and shows it in the metrics", async () => {
    const { main } = await import("../cli/main.ts");
    const { readFileSync, writeFileSync } = await import("node:fs");
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "aiw-cache-cli-")));
    const file = path.join(dir, "loud.aiw");
    writeFileSync(file, FLOW().replace("./test/fixtures/serve/tools.ts", path.join(repo, "test/fixtures/serve/tools.ts")));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const runOnce = async (n: number) => {
        let out = "";
        let err = "";
        const code = await main(["node", "aiwc", "run", file, "--input", "word=cli", "--json", "--cache", redis.url, "--metrics", `m${n}.prom`], {
          stdout: (s) => (out += s),
          stderr: (s) => (err += s),
          isTTY: false,
        });
        expect(err).toBe("");
        expect(code).toBe(0);
        return { out: JSON.parse(out) as { output: string }, metrics: readFileSync(path.join(dir, `m${n}.prom`), "utf8") };
      };
      const first = await runOnce(1);
      expect(first.out.output).toBe("CLI");
      expect(first.metrics).toMatch(/aiwork_result_cache_lookups_total\{tier="redis",result="miss"\} 1/);
      const second = await runOnce(2);
      expect(second.out.output).toBe("CLI");
      expect(second.metrics).toMatch(/aiwork_result_cache_lookups_total\{tier="redis",result="hit"\} 1/);
      expect(second.metrics).toMatch(/aiwork_cache_lookups_total\{flow="loud",result="hit"\} 1/);
      expect(callCount("shout:cli")).toBe(1);

      let err = "";
      const bad = await main(["node", "aiwc", "run", file, "--input", "word=x", "--cache", "http://nope"], { stdout: () => undefined, stderr: (s) => (err += s), isTTY: false });
      expect(bad).toBe(2);
      expect(err).toMatch(/--cache: 'http:\/\/nope' is not a Redis URL/);
    } finally {
      process.chdir(cwd);
    }
  });
});
