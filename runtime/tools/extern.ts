// Extern tools: a function exported by a TypeScript (or JavaScript) module
// named in the tool's `ts: "./file.ts#fn"` binding, imported on first use.

import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { ToolError, type ToolFunction } from "./tool.ts";

/** One import per module file, shared by every tool bound to it. */
const modules = new Map<string, Promise<Record<string, unknown>>>();

export async function loadExternTool(binding: { ts?: string; python?: string }, sourceDir: string, toolName: string): Promise<ToolFunction> {
  if (binding.ts === undefined) {
    throw new ToolError(`tool '${toolName}' has no TypeScript binding (ts: "./file.ts#fn"); it can only run in Airflow`);
  }
  const hash = binding.ts.lastIndexOf("#");
  const file = hash < 0 ? binding.ts : binding.ts.slice(0, hash);
  const exportName = hash < 0 ? "default" : binding.ts.slice(hash + 1);
  if (file === "" || exportName === "") {
    throw new ToolError(`tool '${toolName}': ts: "${binding.ts}" should look like "./file.ts#functionName"`);
  }
  const abs = path.resolve(sourceDir, file);
  let loading = modules.get(abs);
  if (loading === undefined) {
    loading = import(/* @vite-ignore */ pathToFileURL(abs).href) as Promise<Record<string, unknown>>;
    modules.set(abs, loading);
    // Forget failures so a fixed file can be loaded on the next attempt.
    loading.catch(() => modules.delete(abs));
  }
  let mod: Record<string, unknown>;
  try {
    mod = await loading;
  } catch (e) {
    throw new ToolError(`tool '${toolName}': cannot load '${file}' (${abs}): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Object.hasOwn(mod, exportName)) {
    const names = Object.keys(mod).sort();
    throw new ToolError(`tool '${toolName}': '${file}' has no export '${exportName}'${names.length > 0 ? ` (it exports ${names.join(", ")})` : ""}`);
  }
  const fn = mod[exportName];
  if (typeof fn !== "function") {
    throw new ToolError(`tool '${toolName}': export '${exportName}' of '${file}' is ${fn === null || fn === undefined ? String(fn) : typeof fn === "object" ? "an object" : `a ${typeof fn}`}, not a function`);
  }
  return (args, ctx) => (fn as ToolFunction)(args, ctx);
}
