// The language server: an LSP connection, the open buffers, and one small
// module per feature (each asks the compiler's results; none parses on its
// own). Started by `aiwc lsp --stdio`. Two threads: this one talks to the
// client and answers completion and signature help from the token context and
// the last completion model (lsp/completion-model.ts); the analysis worker
// (lsp/worker.ts) owns the compiler's state, analyses every edit, publishes
// diagnostics and answers the requests that need the current analysis. So an
// analysis under way never delays completion, and its garbage is collected on
// the worker's heap.

import { Worker } from "node:worker_threads";
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  createConnection,
  type CancellationToken,
  type Connection,
  type InitializeResult,
  type ServerCapabilities,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { sourceFile, type SourceFile } from "../compiler/source.ts";
import type { CompletionModel } from "./completion-model.ts";
import { toOffset, uriToPath } from "./positions.ts";
import { legend } from "./semantic-legend.ts";
import { WORKER_MARK, type FromWorker, type ToWorker } from "./worker-protocol.ts";

export const SERVER_NAME = "aiwc-lsp";

/** Exactly what the handlers below implement. */
export const capabilities: ServerCapabilities = {
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  completionProvider: { triggerCharacters: [".", "(", ",", ":", "{"], resolveProvider: false },
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  workspaceSymbolProvider: true,
  semanticTokensProvider: { legend, full: true },
  documentFormattingProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  foldingRangeProvider: true,
  signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [":"] },
  inlayHintProvider: true,
};

/** The analysis worker's young generation (see below, and docs/benchmarks.md, "Language server"). */
const WORKER_YOUNG_GENERATION_MB = 16;

export interface ServerOptions {
  readonly connection?: Connection;
  readonly version: string;
  /** The analysis worker's module (lsp/worker.ts, or its bundle next to a bundled server). */
  readonly workerUrl?: URL;
}

export function startServer(options: ServerOptions): Connection {
  const connection = options.connection ?? createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  let snippets = true;
  let watchDynamically = false;

  // ------------------------------------------------------------ the worker

  const worker = new Worker(options.workerUrl ?? new URL("./worker.ts", import.meta.url), {
    workerData: WORKER_MARK,
    stdout: true,
    // A worker's young generation is sized for throughput by default (over 100 MB
    // here): every analysis of a large file then waits, now and then, for one long
    // scavenge of everything it just built. A small one keeps each pause short.
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  // Nothing the worker prints may reach the client's channel.
  worker.stdout.pipe(process.stderr);
  worker.unref();
  // Without its worker the server can only fail: exit, as a crash on one thread would, for the client to restart it.
  worker.on("error", (err) => {
    process.stderr.write(`aiwc lsp: the analysis worker failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
  worker.on("exit", (code) => {
    process.stderr.write(`aiwc lsp: the analysis worker exited (code ${code})\n`);
    process.exit(1);
  });
  const post = (m: ToWorker) => worker.postMessage(m);
  // Loaded once the worker is started, so that both threads load their modules at once.
  const completing = Promise.all([import("./completion.ts"), import("./signature-help.ts")]);

  /** Open buffers by absolute path, the version of each the worker has, and each one's line starts. */
  const openPaths = new Set<string>();
  const isOpen = (abs: string) => openPaths.has(abs);
  const sent = new Map<string, number>();
  const sources = new Map<string, { version: number; source: SourceFile }>();
  /** Completion models of open files, by absolute path (the latest each). */
  const models = new Map<string, CompletionModel>();
  /** Open events per file so far, counted as the worker counts them (see worker-protocol.ts). */
  const opened = new Map<string, number>();
  const pending = new Map<number, { resolve(r: unknown): void; reject(e: unknown): void }>();
  let nextId = 1;

  worker.on("message", (m: FromWorker) => {
    switch (m.t) {
      case "diagnostics":
        void connection.sendDiagnostics(m.params);
        break;
      case "model":
        if (isOpen(m.abs) && m.opened === opened.get(m.abs)) models.set(m.abs, m.model);
        break;
      case "response":
        pending.get(m.id)?.resolve(m.result);
        pending.delete(m.id);
        break;
      case "error":
        // As if the handler had thrown here: a ResponseError as is, anything else as an internal error.
        pending.get(m.id)?.reject(m.code !== undefined ? new ResponseError(m.code, m.message, m.data) : new Error(m.message));
        pending.delete(m.id);
        break;
    }
  });

  /** A request answered by the worker, at the analysis of the document's current text. */
  function ask<R>(method: string, params: unknown, token?: CancellationToken): Promise<R> {
    const id = nextId++;
    const answer = new Promise<R>((resolve, reject) => pending.set(id, { resolve: resolve as (r: unknown) => void, reject }));
    post({ t: "request", id, method, params });
    const listening = token?.onCancellationRequested(() => post({ t: "cancel", id }));
    void answer.finally(() => listening?.dispose()).catch(() => undefined);
    return answer;
  }

  // ------------------------------------------------------------ the buffers

  /** An open document's text, its line starts and its completion model, when there is one. */
  function here(uri: string): { model: CompletionModel; text: string; source: SourceFile } | undefined {
    const doc = documents.get(uri);
    const model = models.get(uriToPath(uri));
    if (doc === undefined || model === undefined) return undefined;
    let s = sources.get(uri);
    if (s?.version !== doc.version) sources.set(uri, (s = { version: doc.version, source: sourceFile(uriToPath(uri), doc.getText()) }));
    return { model, text: s.source.text, source: s.source };
  }

  connection.onInitialize((params): InitializeResult => {
    snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    watchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)) ?? (params.rootUri ? [uriToPath(params.rootUri)] : params.rootPath ? [params.rootPath] : []);
    post({ t: "initialize", folders, snippets });
    return { capabilities, serverInfo: { name: SERVER_NAME, version: options.version } };
  });

  connection.onInitialized(() => {
    post({ t: "initialized" });
    if (watchDynamically) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.aiw" }] });
  });

  documents.onDidOpen((e) => {
    const abs = uriToPath(e.document.uri);
    openPaths.add(abs);
    opened.set(abs, (opened.get(abs) ?? 0) + 1);
    sent.set(e.document.uri, e.document.version);
    post({ t: "open", uri: e.document.uri, text: e.document.getText(), version: e.document.version });
  });
  documents.onDidChangeContent((e) => {
    if (sent.get(e.document.uri) === e.document.version) return; // the open event already has it
    sent.set(e.document.uri, e.document.version);
    post({ t: "change", uri: e.document.uri, text: e.document.getText(), version: e.document.version });
  });
  documents.onDidClose((e) => {
    const abs = uriToPath(e.document.uri);
    openPaths.delete(abs);
    sent.delete(e.document.uri);
    models.delete(abs);
    sources.delete(e.document.uri);
    post({ t: "close", uri: e.document.uri });
  });

  connection.onDidChangeWatchedFiles((p) => {
    for (const c of p.changes) {
      if (!c.uri.endsWith(".aiw")) continue;
      if (c.type === FileChangeType.Deleted || c.type === FileChangeType.Changed || c.type === FileChangeType.Created) post({ t: "disk", abs: uriToPath(c.uri) });
    }
  });

  // ------------------------------------------------------------ requests

  // Here, from the last model and the current text: never waits for the analysis under way.
  connection.onCompletion(async (p, token) => {
    const [{ completion }] = await completing;
    const h = here(p.textDocument.uri);
    if (h === undefined) return ask("textDocument/completion", p, token);
    return completion(h.model, h.text, h.source, toOffset(h.source, p.position), { snippets });
  });

  connection.onSignatureHelp(async (p, token) => {
    const [, { signatureHelp }] = await completing;
    const h = here(p.textDocument.uri);
    if (h === undefined) return ask("textDocument/signatureHelp", p, token);
    return signatureHelp(h.model, h.text, toOffset(h.source, p.position));
  });

  // In the worker, at the analysis of the current text.
  connection.onHover((p, token) => ask("textDocument/hover", p, token));
  connection.onDefinition((p, token) => ask("textDocument/definition", p, token));
  connection.onReferences((p, token) => ask("textDocument/references", p, token));
  connection.onPrepareRename((p, token) => ask("textDocument/prepareRename", p, token));
  connection.onRenameRequest((p, token) => ask("textDocument/rename", p, token));
  connection.onDocumentSymbol((p, token) => ask("textDocument/documentSymbol", p, token));
  connection.onWorkspaceSymbol((p, token) => ask("workspace/symbol", p, token));
  connection.languages.semanticTokens.on((p, token) => ask("textDocument/semanticTokens/full", p, token));
  connection.onDocumentFormatting((p, token) => ask("textDocument/formatting", p, token));
  connection.onCodeAction((p, token) => ask("textDocument/codeAction", p, token));
  connection.onFoldingRanges((p, token) => ask("textDocument/foldingRange", p, token));
  connection.languages.inlayHint.on((p, token) => ask("textDocument/inlayHint", p, token));

  documents.listen(connection);
  connection.listen();
  return connection;
}
