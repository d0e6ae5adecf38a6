// The messages of the Kafka ingress, as JSON: a flow request (requests
// topic), its result (results topic, keyed by request id) and a dead letter
// (dead-letter topic: a request that cannot be run, with the reason).
// Parsing a request never throws: a message that is not a request is a value
// saying why, so the worker can dead-letter it and go on.

import type { RunStatus } from "../runtime/state/store.ts";
import type { Value } from "../runtime/values.ts";
import type { TaskView } from "../server/runs.ts";

export const DEFAULT_TOPICS = { requests: "aiwork.requests", results: "aiwork.results", deadLetter: "aiwork.dead-letter" } as const;

/** Request ids name runs (`req-<id>`) and keys: short, printable, no spaces. */
export const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export interface FlowRequestMessage {
  readonly requestId: string;
  /** The flow as .aiw source, or as IR: exactly one. */
  readonly source?: string;
  readonly ir?: unknown;
  readonly flow?: string;
  readonly inputs?: { readonly [name: string]: unknown };
}

export type ResultStatus = RunStatus | "REJECTED";

export interface FlowResultMessage {
  readonly requestId: string;
  /** Absent for a rejected request (no run was started). */
  readonly runId?: string;
  readonly status: Exclude<ResultStatus, "RUNNING">;
  readonly output?: Value;
  readonly error?: string;
  /** For REJECTED: why, as a code (INVALID_REQUEST, COMPILE_ERROR, INVALID_IR, UNKNOWN_FLOW, INVALID_INPUTS, TOOL_NOT_ALLOWED). */
  readonly code?: string;
  readonly tasks?: Readonly<Record<string, TaskView>>;
  readonly durationMs?: number;
  /** The worker that answered (host:pid). */
  readonly worker: string;
  /** The run was interrupted (a worker died or stopped) and continued from its checkpoints. */
  readonly resumed?: boolean;
}

export interface DeadLetterMessage {
  readonly reason: string;
  readonly code: string;
  readonly requestId?: string;
  /** Where the request was read. */
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string; readonly key?: string };
  /** The request as received: text when it is UTF-8, else base64 in `valueBase64`. */
  readonly value?: string;
  readonly valueBase64?: string;
  readonly worker: string;
  readonly at: string;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: FlowRequestMessage }
  | { readonly ok: false; readonly code: "NOT_JSON" | "NOT_A_REQUEST" | "EMPTY"; readonly reason: string; readonly requestId?: string };

/** A message value to a flow request, or why it is not one. */
export function parseRequest(value: Buffer | null, key: string | undefined): ParsedRequest {
  if (value === null || value.length === 0) return { ok: false, code: "EMPTY", reason: "the message has no value", ...(key !== undefined && REQUEST_ID.test(key) ? { requestId: key } : {}) };
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch (err) {
    return { ok: false, code: "NOT_JSON", reason: `the message is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { ok: false, code: "NOT_A_REQUEST", reason: "the message is not a JSON object" };
  const o = json as Record<string, unknown>;
  const id = o["requestId"];
  if (typeof id !== "string" || !REQUEST_ID.test(id)) {
    return { ok: false, code: "NOT_A_REQUEST", reason: "`requestId` is missing or not an id (1-200 of A-Z a-z 0-9 . _ : -, starting with a letter or digit)" };
  }
  const unknown = Object.keys(o).filter((k) => !["requestId", "source", "ir", "flow", "inputs"].includes(k));
  if (unknown.length > 0) return { ok: false, code: "NOT_A_REQUEST", reason: `unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, requestId: id };
  return { ok: true, request: o as unknown as FlowRequestMessage };
}

/** The run id a request runs under: one run per request id. */
export function runIdOf(requestId: string): string {
  return `req-${requestId}`;
}
