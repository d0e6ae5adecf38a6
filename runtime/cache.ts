// The result cache interface: tasks that opt in (`cache: 1h`) look up their
// result by a hash of the flow's IR, the task and its evaluated arguments
// before calling their tool, and store it after success. Implementations
// (an in-process LRU in front of Redis) live beside this file.

import { createHash } from "node:crypto";
import { stableJson, type Value } from "./values.ts";

export interface ResultCache {
  /** The cached result, or undefined on a miss (or when the cache cannot answer). */
  get(key: string): Promise<Value | undefined>;
  /** Stores a result for `ttlMs`; failures are the cache's business, never the run's. */
  set(key: string, value: Value, ttlMs: number): Promise<void>;
}

/** sha256(IR hash, task id, arguments as canonical JSON with sorted keys). */
export function cacheKey(irHash: string, taskId: string, args: Readonly<Record<string, Value>>): string {
  return createHash("sha256").update(irHash).update("\0").update(taskId).update("\0").update(canonical(args)).digest("hex");
}

function canonical(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, Value>)[k]!)}`).join(",")}}`;
  }
  return stableJson(v);
}
