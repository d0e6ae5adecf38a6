// The language server: an LSP connection, the workspace of files and
// analyses, and one small module per feature (each asks the compiler's
// results; none parses on its own). Started by `aiwc lsp --stdio`.

import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  createConnection,
  type CancellationToken,
  type Connection,
  type InitializeResult,
  type ServerCapabilities,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { SourceFile } from "../compiler/source.ts";
import type { Analysis } from "./analysis.ts";
import { codeActions } from "./code-actions.ts";
import { completion } from "./completion.ts";
import { definition } from "./definition.ts";
import { toLspDiagnostic } from "./diagnostics.ts";
import { foldingRanges } from "./folding.ts";
import { formatting } from "./formatting.ts";
import { hover } from "./hover.ts";
import { inlayHints } from "./inlay-hints.ts";
import { toOffset } from "./positions.ts";
import { references } from "./references.ts";
import { prepareRename, rename } from "./rename.ts";
import { legend, semanticTokens } from "./semantic-tokens.ts";
import { signatureHelp } from "./signature-help.ts";
import { documentSymbols, workspaceSymbols } from "./symbols.ts";
import { uriToPath, Workspace } from "./workspace.ts";

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

export interface ServerOptions {
  readonly connection?: Connection;
  readonly version: string;
}

export function startServer(options: ServerOptions): Connection {
  const connection = options.connection ?? createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  let snippets = true;
  let watchDynamically = false;

  const ws = new Workspace({
    analysed: (a) => publish(a),
    removed: (_abs, uri) => void connection.sendDiagnostics({ uri, diagnostics: [] }),
  });

  function publish(a: Analysis): void {
    if (ws.stamp(a.root) !== a.stamp) return;
    const source = a.file.source;
    const lookup = (display: string) => {
      const f = a.program.byDisplayPath.get(display);
      return f ? { uri: ws.uriOf(f.absolutePath), source: f.source } : undefined;
    };
    const version = ws.version(a.root);
    void connection.sendDiagnostics({ uri: ws.uriOf(a.root), ...(version !== undefined ? { version } : {}), diagnostics: a.diagnostics.map((d) => toLspDiagnostic(d, source, lookup)) });
  }

  connection.onInitialize((params): InitializeResult => {
    snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    watchDynamically = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)) ?? (params.rootUri ? [uriToPath(params.rootUri)] : params.rootPath ? [params.rootPath] : []);
    for (const f of folders) ws.folders.push(f);
    return { capabilities, serverInfo: { name: SERVER_NAME, version: options.version } };
  });

  connection.onInitialized(() => {
    const folders = ws.folders.splice(0);
    for (const f of folders) ws.addFolder(f);
    if (watchDynamically) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.aiw" }] });
  });

  documents.onDidOpen((e) => ws.openDocument(e.document.uri, e.document.getText(), e.document.version));
  documents.onDidChangeContent((e) => {
    if (ws.version(uriToPath(e.document.uri)) === e.document.version) return; // the open event already has it
    ws.changeDocument(e.document.uri, e.document.getText(), e.document.version);
  });
  documents.onDidClose((e) => ws.closeDocument(e.document.uri));

  connection.onDidChangeWatchedFiles((p) => {
    for (const c of p.changes) {
      if (!c.uri.endsWith(".aiw")) continue;
      const abs = uriToPath(c.uri);
      if (c.type === FileChangeType.Deleted || c.type === FileChangeType.Changed || c.type === FileChangeType.Created) ws.diskChanged(abs);
    }
  });

  /** The current analysis and text of a document, or undefined when cancelled or unknown. */
  async function current(uri: string, token: CancellationToken): Promise<{ a: Analysis; source: SourceFile } | undefined> {
    const abs = uriToPath(uri);
    // An edit may land while waiting: then wait for that version's analysis.
    for (;;) {
      const a = await ws.analysisOf(abs);
      const source = ws.source(abs);
      if (a === undefined || source === undefined || token.isCancellationRequested) return undefined;
      if (source.text === a.file.source.text) return { a, source };
    }
  }

  connection.onCompletion(async (p, token) => {
    const abs = uriToPath(p.textDocument.uri);
    const a = await ws.latestAnalysisOf(abs);
    const source = ws.source(abs);
    if (a === undefined || source === undefined || token.isCancellationRequested) return null;
    return completion(a, source.text, source, toOffset(source, p.position), { snippets });
  });

  connection.onHover(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? hover(c.a, c.source, toOffset(c.source, p.position)) : null;
  });

  connection.onDefinition(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? definition(ws, c.a, toOffset(c.source, p.position)) : null;
  });

  connection.onReferences(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? references(ws, c.a, toOffset(c.source, p.position), p.context.includeDeclaration) : null;
  });

  connection.onPrepareRename(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? prepareRename(c.a, c.source, toOffset(c.source, p.position)) : null;
  });

  connection.onRenameRequest(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? rename(ws, c.a, toOffset(c.source, p.position), p.newName) : null;
  });

  connection.onDocumentSymbol(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? documentSymbols(c.a, c.source) : null;
  });

  connection.onWorkspaceSymbol(async (p) => workspaceSymbols(ws, p.query));

  connection.languages.semanticTokens.on(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? semanticTokens(c.a, c.source) : { data: [] };
  });

  connection.onDocumentFormatting(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? formatting(c.a, c.source) : null;
  });

  connection.onCodeAction(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? codeActions(ws, c.a, c.source, p.range, p.context.diagnostics) : null;
  });

  connection.onFoldingRanges(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? foldingRanges(c.a, c.source) : null;
  });

  connection.onSignatureHelp(async (p, token) => {
    const abs = uriToPath(p.textDocument.uri);
    const a = await ws.latestAnalysisOf(abs);
    const source = ws.source(abs);
    if (a === undefined || source === undefined || token.isCancellationRequested) return null;
    return signatureHelp(a, source.text, toOffset(source, p.position));
  });

  connection.languages.inlayHint.on(async (p, token) => {
    const c = await current(p.textDocument.uri, token);
    return c ? inlayHints(c.a, c.source, p.range) : null;
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
