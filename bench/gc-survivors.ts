// What a large check leaves for V8's young-generation GC: the scavenges during
// each parse+check of bench/parse-check.ts's generated flow, the bytes that
// survived them and their pauses. Unlike wall time, these figures hardly vary
// from one process to the next once V8's pretenuring has settled, so they are
// the measure to judge a smaller tree by (docs/benchmarks.md, "Parse and check").
//
//   node --expose-gc bench/gc-survivors.ts [--tasks 10000] [--checks 5] [--parse-only] [--loop N]
//   node --expose-gc --no-allocation-site-pretenuring bench/gc-survivors.ts   # the slow mode, in every process
//
// With --loop N it also runs N checks back to back, as a benchmark sample of
// a small size does, then one scavenge: what survives it, against what one
// result keeps alive (the last result is the only one alive). Much more
// surviving than that means scavenges copy dead objects, kept by pointers
// from old objects that are dead too (docs/benchmarks.md).

import { parseArgs } from "node:util";
import v8 from "node:v8";
import { checkSources } from "../compiler/compile.ts";
import { parseFile } from "../compiler/parse-file.ts";
import { generateAiw } from "./parse-check.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "10000" },
    checks: { type: "string", default: "5" },
    "parse-only": { type: "boolean", default: false },
    loop: { type: "string", default: "0" },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");
const tasks = Number(values.tasks);
const checks = Number(values.checks);
const run = values["parse-only"] ? (text: string): unknown => parseFile("bench.aiw", text) : (text: string): unknown => checkSources({ "bench.aiw": text });

let sink: unknown;
// Warm up as the benchmark does: smaller sizes first, then the measured one.
for (const n of [100, 1000]) {
  const text = generateAiw(n);
  const start = performance.now();
  while (performance.now() - start < 1500) sink = run(text);
}
const text = generateAiw(tasks);
for (let i = 0; i < 3; i++) {
  gc();
  sink = run(text);
}

/** Bytes in the young generation's semi-space after a GC: what survived it (and was not promoted). */
const newSpaceUsed = (s: readonly v8.HeapSpaceStatistics[]): number => s.find((x) => x.spaceName === "new_space")?.spaceUsedSize ?? 0;

console.log(`${values["parse-only"] ? "parse" : "parse+check"} of ${tasks} tasks, ${checks} times after a forced full GC each (node ${process.version}, ${process.execArgv.join(" ")})`);
console.log("check | ms | scavenges | MB survived | scavenge pauses, ms");
for (let i = 1; i <= checks; i++) {
  gc();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const t0 = performance.now();
  sink = run(text);
  const ms = performance.now() - t0;
  const scavenges = profiler.stop().statistics.filter((s) => s.gcType === "Scavenge");
  const survived = scavenges.reduce((sum, s) => sum + newSpaceUsed(s.afterGC.heapSpaceStatistics), 0);
  const pauses = scavenges.reduce((sum, s) => sum + s.cost / 1000, 0);
  console.log(`${i} | ${ms.toFixed(1)} | ${scavenges.length} | ${(survived / 1e6).toFixed(1)} | ${pauses.toFixed(1)}`);
}

const loop = Number(values.loop);
if (loop > 0) {
  gc();
  for (let i = 0; i < loop; i++) sink = run(text);
  const profiler = new v8.GCProfiler();
  profiler.start();
  (globalThis as unknown as { gc: (o: { type: string; execution: string }) => void }).gc({ type: "minor", execution: "sync" });
  const minor = profiler.stop().statistics[0];
  // What one result keeps alive: the heap with it, less the heap without it.
  sink = undefined;
  gc();
  const without = v8.getHeapStatistics().used_heap_size;
  sink = run(text);
  gc();
  const oneResult = v8.getHeapStatistics().used_heap_size - without;
  if (minor !== undefined) {
    const oldSpace = (s: readonly v8.HeapSpaceStatistics[]): number => s.find((x) => x.spaceName === "old_space")?.spaceUsedSize ?? 0;
    const kept = newSpaceUsed(minor.afterGC.heapSpaceStatistics) + Math.max(0, oldSpace(minor.afterGC.heapSpaceStatistics) - oldSpace(minor.beforeGC.heapSpaceStatistics));
    console.log(`after ${loop} checks back to back: one scavenge kept ${(kept / 1e6).toFixed(1)} MB (survived or promoted) in ${(minor.cost / 1000).toFixed(1)} ms, where one result keeps ${(oneResult / 1e6).toFixed(2)} MB alive`);
  }
}
void sink;
