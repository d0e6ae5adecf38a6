// Turns an IR tool declaration into a function the runtime can call: a
// built-in, an extern module's export, or a model (through a backend passed in).

import type { IrTool, IrToolBinding } from "../../compiler/ir.ts";
import { loadExternTool } from "./extern.ts";
import { hostAllowlist, httpRequest, httpRequestWithin } from "./http-request.ts";
import { jsonExtract } from "./json-extract.ts";
import { recall, remember } from "./memory-tools.ts";
import { readText } from "./read-text.ts";
import { regexExtract } from "./regex-extract.ts";
import { renderTemplate } from "./render-template.ts";
import { ToolError, type ToolFunction } from "./tool.ts";
import { writeText } from "./write-text.ts";

/** The runtime's built-in tools, by the names in compiler/builtins.ts. */
export const BUILTIN_TOOL_FUNCTIONS: ReadonlyMap<string, ToolFunction> = new Map([
  ["read_text", readText],
  ["write_text", writeText],
  ["http_request", httpRequest],
  ["regex_extract", regexExtract],
  ["json_extract", jsonExtract],
  ["render_template", renderTemplate],
  ["remember", remember],
  ["recall", recall],
]);

export type ModelBinding = Extract<IrToolBinding, { kind: "model" }>;

export interface ToolRegistryOptions {
  /** Builds the function for a tool bound to a model (the OpenVINO backend). */
  readonly modelTool?: (name: string, tool: IrTool & { readonly binding: ModelBinding }, sourceDir: string) => Promise<ToolFunction> | ToolFunction;
  /** Hosts the built-in http_request may reach (`example.com`, `*.example.com`); undefined: any. */
  readonly httpAllow?: readonly string[];
}

export interface ToolRegistry {
  get(name: string, tool: IrTool, sourceDir: string): Promise<ToolFunction>;
}

export function createToolRegistry(options: ToolRegistryOptions = {}): ToolRegistry {
  // Per IR tool object and source folder: loading a model is expensive, and a
  // fan-out task asks for the same tool once per item.
  const cache = new WeakMap<IrTool, Map<string, Promise<ToolFunction>>>();
  const limitedHttp = options.httpAllow !== undefined ? httpRequestWithin(hostAllowlist(options.httpAllow)) : undefined;

  async function load(name: string, tool: IrTool, sourceDir: string): Promise<ToolFunction> {
    const b = tool.binding;
    switch (b.kind) {
      case "builtin": {
        const fn = b.name === "http_request" && limitedHttp !== undefined ? limitedHttp : BUILTIN_TOOL_FUNCTIONS.get(b.name);
        if (fn === undefined) throw new ToolError(`tool '${name}': there is no built-in tool '${b.name}'`);
        return fn;
      }
      case "extern":
        return loadExternTool(b, sourceDir, name);
      case "model":
        if (options.modelTool === undefined) throw new ToolError(`tool '${name}': model tools need the OpenVINO runtime: run scripts/setup-openvino.sh`);
        return options.modelTool(name, { ...tool, binding: b }, sourceDir);
    }
  }

  return {
    get(name, tool, sourceDir) {
      let byDir = cache.get(tool);
      if (byDir === undefined) cache.set(tool, (byDir = new Map()));
      let fn = byDir.get(sourceDir);
      if (fn === undefined) {
        fn = load(name, tool, sourceDir);
        byDir.set(sourceDir, fn);
        // A failed load is retried next time (the file or backend may have been fixed).
        fn.catch(() => byDir.delete(sourceDir));
      }
      return fn;
    },
  };
}
