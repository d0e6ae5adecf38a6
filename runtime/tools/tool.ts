// What a tool is to the runtime: an async function from named JSON
// arguments to a JSON result, given a context it must honour (above all the
// AbortSignal that a timeout or a cancelled run fires).

import type { IrAgent } from "../../compiler/ir.ts";
import type { Value } from "../values.ts";

export interface AgentMemory {
  /** Stores a text; returns how many texts the memory now holds. */
  remember(text: string): number;
  /** Best matches for a query, best first (BM25), at most `topK`. */
  recall(query: string, topK: number): { text: string; score: number }[];
}

export interface ToolContext {
  /** Fires on timeout or cancellation; tools must stop promptly when it does. */
  readonly signal: AbortSignal;
  /** The folder file tools may read and write in; nothing outside it. */
  readonly workDir: string;
  /** Folder of the `.aiw` file that declared the tool (extern module paths are relative to it). */
  readonly sourceDir: string;
  readonly runId: string;
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Stable across retries and resumes of the same task (and fan-out item):
   * tools with side effects use it to make a repeated call harmless.
   */
  readonly idempotencyKey: string;
  /** The agent running the task, with its persona; undefined for tasks without one. */
  readonly agent?: { readonly name: string; readonly persona: IrAgent; readonly memory?: AgentMemory };
}

export type ToolFunction = (args: Readonly<Record<string, Value>>, ctx: ToolContext) => Promise<Value> | Value;

/** A failure a tool reports on purpose, with a message meant for the user. */
export class ToolError extends Error {
  override readonly name = "ToolError";
}
