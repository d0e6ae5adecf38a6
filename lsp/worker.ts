// The language server's analysis worker (a worker thread started by
// lsp/server.ts). It owns the compiler's state: the workspace's files and
// open buffers (as the main thread forwards them), each root's analysis
// (lsp/workspace.ts: per content version, stale work dropped between steps),
// the index of exported names. After each analysis it posts the root's
// diagnostics and, for an open file, its completion model; it answers every
// request that needs the current analysis (hover, definition, references,
// rename, symbols, semantic tokens, formatting, code actions, folding, inlay
// hints). The main thread never waits for it to answer completion.

import { CancellationTokenSource, ResponseError, type CancellationToken } from "vscode-languageserver";
import type { Hover, InlayHintParams, Position, PublishDiagnosticsParams, TextDocumentIdentifier } from "vscode-languageserver";
import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { SourceFile } from "../compiler/source.ts";
import type { Analysis } from "./analysis.ts";
import { codeActions } from "./code-actions.ts";
import { completion } from "./completion.ts";
import { completionModel, type CompletionModel } from "./completion-model.ts";
import { definition } from "./definition.ts";
import { toLspDiagnostic } from "./diagnostics.ts";
import { foldingRanges } from "./folding.ts";
import { hover } from "./hover.ts";
import { inlayHints } from "./inlay-hints.ts";
import { toOffset } from "./positions.ts";
import { references } from "./references.ts";
import { prepareRename, rename } from "./rename.ts";
import { semanticTokens } from "./semantic-tokens.ts";
import { signatureHelp } from "./signature-help.ts";
import { documentSymbols, workspaceSymbols } from "./symbols.ts";
import { WORKER_MARK, type FromWorker, type ToWorker } from "./worker-protocol.ts";
import { uriToPath, Workspace } from "./workspace.ts";

type Params = { textDocument: TextDocumentIdentifier; position: Position } & Record<string, unknown>;
type Handler = (params: Params, token: CancellationToken) => unknown;

export function serveAnalysis(port: Pick<MessagePort, "postMessage" | "on">): void {
  const post = (m: FromWorker) => port.postMessage(m);
  let snippets = true;
  const models = new WeakMap<Analysis, CompletionModel>();
  /** Open messages per file so far (see the "model" message). */
  const opened = new Map<string, number>();
  const modelOf = (a: Analysis) => {
    let m = models.get(a);
    if (m === undefined) models.set(a, (m = completionModel(a)));
    return m;
  };

  const ws = new Workspace({
    analysed(a) {
      // The model first: once the client has the diagnostics of a version, completion sees its analysis.
      if (ws.isOpen(a.root)) post({ t: "model", abs: a.root, opened: opened.get(a.root) ?? 0, model: modelOf(a) });
      publish(a);
    },
    removed: (_abs, uri) => post({ t: "diagnostics", params: { uri, diagnostics: [] } }),
  });

  function publish(a: Analysis): void {
    if (ws.stamp(a.root) !== a.stamp) return;
    const source = a.file.source;
    const lookup = (display: string) => {
      const f = a.program.byDisplayPath.get(display);
      return f ? { uri: ws.uriOf(f.absolutePath), source: f.source } : undefined;
    };
    const version = ws.version(a.root);
    const params: PublishDiagnosticsParams = { uri: ws.uriOf(a.root), ...(version !== undefined ? { version } : {}), diagnostics: a.diagnostics.map((d) => toLspDiagnostic(d, source, lookup)) };
    post({ t: "diagnostics", params });
  }

  /** The current analysis and text of a document, or undefined when cancelled or unknown. */
  async function current(uri: string, token: CancellationToken): Promise<{ a: Analysis; source: SourceFile } | undefined> {
    const abs = uriToPath(uri);
    // An edit may land while waiting: then wait for that version's analysis.
    for (;;) {
      const a = await ws.analysisOf(abs, token);
      const source = ws.source(abs);
      if (a === undefined || source === undefined || token.isCancellationRequested) return undefined;
      if (source.text === a.file.source.text) return { a, source };
    }
  }

  /** The request's document at its current analysis; `f` answers, or the request gets `none`. */
  const at =
    <R>(f: (a: Analysis, source: SourceFile, p: Params) => R, none: unknown = null): Handler =>
    async (p, token) => {
      const c = await current(p.textDocument.uri, token);
      return c ? f(c.a, c.source, p) : none;
    };

  const handlers: Record<string, Handler> = {
    // Completion and signature help are answered by the main thread from the
    // completion model; here only when it has none for the file yet.
    "textDocument/completion": async (p, token) => {
      const abs = uriToPath(p.textDocument.uri);
      const a = await ws.latestAnalysisOf(abs);
      const source = ws.source(abs);
      if (a === undefined || source === undefined || token.isCancellationRequested) return null;
      return completion(modelOf(a), source.text, source, toOffset(source, p.position), { snippets });
    },
    "textDocument/signatureHelp": async (p, token) => {
      const abs = uriToPath(p.textDocument.uri);
      const a = await ws.latestAnalysisOf(abs);
      const source = ws.source(abs);
      if (a === undefined || source === undefined || token.isCancellationRequested) return null;
      return signatureHelp(modelOf(a), source.text, toOffset(source, p.position));
    },
    "textDocument/hover": at((a, source, p): Hover | null => hover(a, source, toOffset(source, p.position))),
    "textDocument/definition": at((a, source, p) => definition(ws, a, toOffset(source, p.position))),
    "textDocument/references": at((a, source, p) => references(ws, a, toOffset(source, p.position), (p["context"] as { includeDeclaration: boolean }).includeDeclaration)),
    "textDocument/prepareRename": at((a, source, p) => prepareRename(a, source, toOffset(source, p.position))),
    "textDocument/rename": at((a, source, p) => rename(ws, a, toOffset(source, p.position), p["newName"] as string)),
    "textDocument/documentSymbol": at((a, source) => documentSymbols(a, source)),
    "workspace/symbol": async (p) => workspaceSymbols(ws, (p as unknown as { query: string }).query),
    "textDocument/semanticTokens/full": at((a, source) => semanticTokens(a, source), { data: [] }),
    // Prettier is loaded on the first request, not when the worker starts.
    "textDocument/formatting": at(async (a, source) => (await import("./formatting.ts")).formatting(a, source)),
    "textDocument/codeAction": at((a, source, p) => codeActions(ws, a, source, p["range"] as never, (p["context"] as { diagnostics: never }).diagnostics)),
    "textDocument/foldingRange": at((a, source) => foldingRanges(a, source)),
    "textDocument/inlayHint": at((a, source, p) => inlayHints(a, source, (p as unknown as InlayHintParams).range)),
  };

  const cancels = new Map<number, CancellationTokenSource>();

  async function answer(id: number, method: string, params: Params): Promise<void> {
    const source = new CancellationTokenSource();
    cancels.set(id, source);
    try {
      const handler = handlers[method];
      if (handler === undefined) throw new Error(`unhandled method ${method}`);
      post({ t: "response", id, result: await handler(params, source.token) });
    } catch (err) {
      if (err instanceof ResponseError) post({ t: "error", id, code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) });
      else post({ t: "error", id, message: err instanceof Error ? err.message : String(err) });
    } finally {
      cancels.delete(id);
      source.dispose();
    }
  }

  port.on("message", (m: ToWorker) => {
    switch (m.t) {
      case "initialize":
        snippets = m.snippets;
        ws.folders.push(...m.folders);
        break;
      case "initialized":
        for (const f of ws.folders.splice(0)) ws.addFolder(f);
        break;
      case "open":
        opened.set(uriToPath(m.uri), (opened.get(uriToPath(m.uri)) ?? 0) + 1);
        ws.openDocument(m.uri, m.text, m.version);
        break;
      case "change":
        ws.changeDocument(m.uri, m.text, m.version);
        break;
      case "close":
        ws.closeDocument(m.uri);
        break;
      case "disk":
        ws.diskChanged(m.abs);
        break;
      case "request":
        void answer(m.id, m.method, m.params as Params);
        break;
      case "cancel":
        cancels.get(m.id)?.cancel();
        break;
    }
  });
}

if (!isMainThread && parentPort !== null && workerData === WORKER_MARK) serveAnalysis(parentPort);
