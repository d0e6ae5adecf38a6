// From a request to something the runtime can run: a flow given as `.aiw`
// source (compiled here, with an LRU of compiled sources) or as IR (checked
// against compiler/ir.schema.json), the flow's name and its inputs (checked
// against the flow). Shared by the REST API and the Kafka worker, which both
// take flows from the network; so it also enforces the tool policy: a flow may
// use TypeScript tools only from the tools folder the operator named, never a
// module elsewhere on the machine. Problems are values (Rejection), not throws.

import { createHash } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import * as nodePath from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { LRUCache } from "lru-cache";
import { compile } from "../compiler/compile.ts";
import type { IrProgram } from "../compiler/ir.ts";
import { diagnosticsToJson } from "../compiler/render-diagnostic.ts";
import { InputError, prepareInputs } from "../runtime/run.ts";
import type { Value } from "../runtime/values.ts";
import type { ApiErrorCode } from "./errors.ts";

/** What a client sends: the flow as source or IR, which flow, and its inputs. */
export interface FlowRequest {
  readonly source?: unknown;
  readonly ir?: unknown;
  readonly flow?: unknown;
  readonly inputs?: unknown;
}

export interface PreparedFlow {
  readonly ok: true;
  readonly program: IrProgram;
  readonly flow: string;
  /** Checked, with defaults filled in. */
  readonly inputs: Record<string, Value>;
  /** The folder the IR's file locations are relative to (the tools folder). */
  readonly baseDir: string;
  /** True when the flow needs a work folder (file tools or TypeScript tools). */
  readonly usesFiles: boolean;
}

export interface Rejection {
  readonly ok: false;
  readonly code: Extract<ApiErrorCode, "INVALID_REQUEST" | "COMPILE_ERROR" | "INVALID_IR" | "UNKNOWN_FLOW" | "INVALID_INPUTS" | "TOOL_NOT_ALLOWED">;
  readonly message: string;
  readonly details?: readonly unknown[];
}

export interface FlowPolicy {
  /**
   * The folder TypeScript tools (`ts: "./x.ts#fn"`) must live in; flows
   * compiled from source are placed there, and IR locations are relative to
   * it. Undefined: only built-in tools are allowed.
   */
  readonly toolsDir?: string;
  /** Compiled sources kept (by SHA-256 of the text). Default 256. */
  readonly compileCacheSize?: number;
}

/** The file name a submitted source is compiled as (inside the tools folder). */
export const REQUEST_FILE = "request.aiw";

const FILE_TOOLS = new Set(["read_text", "write_text"]);

let irValidator: ValidateFunction | undefined;
function validateIr(value: unknown): ErrorObject[] {
  if (irValidator === undefined) {
    const schema = JSON.parse(readFileSync(new URL("../compiler/ir.schema.json", import.meta.url), "utf8")) as object;
    irValidator = new Ajv2020({ strict: true, allErrors: false }).compile(schema);
  }
  return irValidator(value) ? [] : [...(irValidator.errors ?? [])];
}

type Compiled = { ok: true; program: IrProgram } | Rejection;

export class FlowPreparer {
  readonly toolsDir: string | undefined;
  readonly #baseDir: string;
  readonly #realTools: string | undefined;
  readonly #compiled: LRUCache<string, Compiled>;
  /** Tool-policy verdicts by IR object (an IR from the compile cache is checked once). */
  readonly #policyChecked = new WeakMap<IrProgram, Rejection | null>();

  constructor(policy: FlowPolicy = {}) {
    this.toolsDir = policy.toolsDir !== undefined ? nodePath.resolve(policy.toolsDir) : undefined;
    // Without a tools folder, IR locations are still resolved somewhere harmless.
    this.#baseDir = this.toolsDir ?? process.cwd();
    this.#realTools = this.toolsDir !== undefined ? realpathSync(this.toolsDir) : undefined;
    this.#compiled = new LRUCache({ max: Math.max(1, policy.compileCacheSize ?? 256) });
  }

  prepare(request: FlowRequest): PreparedFlow | Rejection {
    const { source, ir } = request;
    if ((source === undefined) === (ir === undefined)) {
      return reject("INVALID_REQUEST", "give the flow either as `source` (.aiw text) or as `ir` (the IR JSON of `aiwc ir`), not both and not neither");
    }
    let program: IrProgram;
    if (source !== undefined) {
      if (typeof source !== "string") return reject("INVALID_REQUEST", "`source` must be a string holding .aiw text");
      const compiled = this.#compile(source);
      if (!compiled.ok) return compiled;
      program = compiled.program;
    } else {
      if (typeof ir !== "object" || ir === null || Array.isArray(ir)) return reject("INVALID_IR", "`ir` must be a JSON object (the output of `aiwc ir`)");
      const version = (ir as { irVersion?: unknown }).irVersion;
      if (version !== 1) return reject("INVALID_IR", `this server runs IR version 1; the IR has version ${JSON.stringify(version ?? null)}`);
      const errors = validateIr(ir);
      if (errors.length > 0) {
        return reject(
          "INVALID_IR",
          `the IR does not match compiler/ir.schema.json: ${errors[0]!.instancePath || "/"} ${errors[0]!.message ?? ""}`.trim(),
          errors.map((e) => ({ path: e.instancePath || "/", message: e.message ?? "", params: e.params })),
        );
      }
      program = ir as IrProgram;
    }
    const flows = Object.keys(program.flows);
    let flow: string;
    if (request.flow !== undefined) {
      if (typeof request.flow !== "string" || !Object.hasOwn(program.flows, request.flow)) {
        return reject("UNKNOWN_FLOW", `no flow ${JSON.stringify(request.flow)}; the flows are: ${flows.join(", ") || "none"}`);
      }
      flow = request.flow;
    } else if (flows.length === 1) {
      flow = flows[0]!;
    } else {
      return reject("UNKNOWN_FLOW", flows.length === 0 ? "the program declares no flow" : `the program declares several flows (${flows.join(", ")}): say which in \`flow\``);
    }
    const policy = this.#checkTools(program);
    if (policy !== null) return policy;
    const raw = request.inputs ?? {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return reject("INVALID_INPUTS", "`inputs` must be a JSON object");
    let inputs: Record<string, Value>;
    try {
      inputs = prepareInputs(program, flow, raw as Record<string, unknown>);
    } catch (err) {
      if (err instanceof InputError) return reject("INVALID_INPUTS", `the inputs do not fit flow '${flow}': ${err.message}`, err.problems);
      throw err;
    }
    return { ok: true, program, flow, inputs, baseDir: this.#baseDir, usesFiles: usesFiles(program) };
  }

  #compile(source: string): Compiled {
    const key = createHash("sha256").update(source).digest("hex");
    const hit = this.#compiled.get(key);
    if (hit !== undefined) return hit;
    const file = nodePath.join(this.#baseDir, REQUEST_FILE);
    // Only the submitted text is visible: an import of any other file is "not found".
    const c = compile([file], { readFile: (abs) => (abs === file ? source : undefined), displayPath: (abs) => nodePath.relative(this.#baseDir, abs).split(nodePath.sep).join("/") });
    let result: Compiled;
    if (c.ir === undefined) {
      const errors = c.diagnostics.filter((d) => d.severity === "error");
      const json = diagnosticsToJson(c.diagnostics, c.sourceOf) as { diagnostics: unknown[] };
      result = reject("COMPILE_ERROR", `the source has ${errors.length} error${errors.length === 1 ? "" : "s"}: ${errors[0]?.message ?? "?"}`, json.diagnostics);
    } else result = { ok: true, program: c.ir };
    this.#compiled.set(key, result);
    return result;
  }

  /** TypeScript tools must resolve inside the tools folder (symbolic links followed), outside any node_modules. */
  #checkTools(program: IrProgram): Rejection | null {
    const known = this.#policyChecked.get(program);
    if (known !== undefined) return known;
    let verdict: Rejection | null = null;
    for (const [name, tool] of Object.entries(program.tools)) {
      const b = tool.binding;
      if (b.kind !== "extern" || b.ts === undefined) continue;
      if (this.toolsDir === undefined || this.#realTools === undefined) {
        verdict = reject("TOOL_NOT_ALLOWED", `tool '${name}' is a TypeScript tool (ts: "${b.ts}"); this server runs built-in tools only (start it with --tools-dir DIR to allow TypeScript tools from DIR)`);
        break;
      }
      const hash = b.ts.lastIndexOf("#");
      const file = hash < 0 ? b.ts : b.ts.slice(0, hash);
      const sourceDir = tool.location !== undefined ? nodePath.dirname(nodePath.resolve(this.toolsDir, tool.location.file)) : this.toolsDir;
      const abs = nodePath.resolve(sourceDir, file);
      // Symbolic links are followed; a module that does not exist (its task
      // will fail with "cannot load") must still name a path inside.
      let real: string;
      let root: string;
      try {
        real = realpathSync(abs);
        root = this.#realTools;
      } catch {
        real = abs;
        root = this.toolsDir;
      }
      const ok = real.startsWith(root + nodePath.sep) && !real.split(nodePath.sep).includes("node_modules");
      if (!ok) {
        verdict = reject("TOOL_NOT_ALLOWED", `tool '${name}' names the module '${file}', which is outside the tools folder of this server (${this.toolsDir}) or inside a node_modules folder`);
        break;
      }
    }
    this.#policyChecked.set(program, verdict);
    return verdict;
  }
}

function usesFiles(program: IrProgram): boolean {
  return Object.values(program.tools).some((t) => t.binding.kind === "extern" || (t.binding.kind === "builtin" && FILE_TOOLS.has(t.binding.name)));
}

function reject(code: Rejection["code"], message: string, details?: readonly unknown[]): Rejection {
  return details !== undefined ? { ok: false, code, message, details } : { ok: false, code, message };
}
