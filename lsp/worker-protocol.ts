// Messages between the server's main thread (lsp/server.ts: the connection,
// the open buffers, completion) and its analysis worker (lsp/worker.ts: the
// workspace, the compiler, every request that needs the current analysis).
// One port, so both sides see the other's messages in the order sent: an
// edit posted before a request is applied before the request is answered.

import type { PublishDiagnosticsParams } from "vscode-languageserver";
import type { CompletionModel } from "./completion-model.ts";

export type ToWorker =
  | { readonly t: "initialize"; readonly folders: readonly string[]; readonly snippets: boolean }
  | { readonly t: "initialized" }
  | { readonly t: "open"; readonly uri: string; readonly text: string; readonly version: number }
  | { readonly t: "change"; readonly uri: string; readonly text: string; readonly version: number }
  | { readonly t: "close"; readonly uri: string }
  /** workspace/didChangeWatchedFiles, one file. */
  | { readonly t: "disk"; readonly abs: string }
  | { readonly t: "request"; readonly id: number; readonly method: string; readonly params: unknown }
  | { readonly t: "cancel"; readonly id: number };

export type FromWorker =
  | { readonly t: "diagnostics"; readonly params: PublishDiagnosticsParams }
  /**
   * The completion model of an open file's latest analysis; `opened` counts
   * the file's open messages so far (both threads count them), so a model of
   * a buffer closed and opened again meanwhile is not taken for the new one.
   */
  | { readonly t: "model"; readonly abs: string; readonly opened: number; readonly model: CompletionModel }
  | { readonly t: "response"; readonly id: number; readonly result: unknown }
  /** A request failed: `code` set for a ResponseError (sent as is), else an internal error. */
  | { readonly t: "error"; readonly id: number; readonly message: string; readonly code?: number; readonly data?: unknown };

/** Marks the worker's workerData, so the worker module starts only as the server's worker. */
export const WORKER_MARK = "aiwc-lsp-analysis";
