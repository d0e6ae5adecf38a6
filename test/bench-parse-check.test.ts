// bench/parse-check.ts itself: its generators describe the same workflow in
// both formats, and a run over several processes reports the medians of what
// each process measured (docs/benchmarks.md quotes it).

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { generateAiw, generateYaml } from "../bench/parse-check.ts";
import { checkSources } from "../compiler/compile.ts";

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bench", "parse-check.ts");

describe("bench/parse-check.ts", () => {
  it("generates a .aiw flow that checks clean and YAML with the same tasks and dependencies", () => {
    const aiw = generateAiw(40);
    const c = checkSources({ "bench.aiw": aiw });
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const doc = load(generateYaml(40)) as { big: { tasks: Record<string, { dependencies?: string[] }> } };
    expect(Object.keys(doc.big.tasks)).toHaveLength(40);
    expect(doc.big.tasks.t35!.dependencies).toEqual(["t34", "t28"]);
    expect(aiw).toContain("task t35 after t34, t28 {");
  });

  it("over several processes, reports the median of each process's figures and each process's growth", () => {
    const r = spawnSync(
      process.execPath,
      ["--expose-gc", script, "--processes", "3", "--runs", "1", "--warmup", "1", "--warmup-ms", "0", "--min-sample-ms", "0", "--sizes", "5,50", "--json"],
      { encoding: "utf8" },
    );
    expect(r.stderr).toContain("process 3 of 3");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      meta: { processes: number };
      results: { tasks: number; aiwFull: { median: number; samples: number[] }; diagnostics: { errors: number } }[];
      growth: { from: number; to: number; aiwFull: number; aiwFullPerProcess: number[] }[];
    };
    expect(out.meta.processes).toBe(3);
    expect(out.results.map((x) => x.tasks)).toEqual([5, 50]);
    for (const size of out.results) {
      expect(size.diagnostics.errors).toBe(0);
      expect(size.aiwFull.samples).toHaveLength(3);
      expect(size.aiwFull.median).toBe([...size.aiwFull.samples].sort((a, b) => a - b)[1]);
    }
    const [g] = out.growth;
    expect(g!.aiwFullPerProcess).toHaveLength(3);
    expect(g!.aiwFull).toBe([...g!.aiwFullPerProcess].sort((a, b) => a - b)[1]);
  });
});
