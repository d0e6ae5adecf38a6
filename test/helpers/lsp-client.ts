// A real LSP client for tests and benchmarks: starts `aiwc lsp --stdio` as a
// child process (or any server command) and speaks JSON-RPC over its stdio
// with vscode-languageserver-protocol's connection.

import { spawn, type ChildProcess } from "node:child_process";
import * as nodePath from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";

export const REPO = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), "../..");
export const AIWC = nodePath.join(REPO, "bin", "aiwc.js");

export const clientCapabilities: ClientCapabilities = {
  textDocument: {
    synchronization: { dynamicRegistration: false },
    completion: { completionItem: { snippetSupport: true } },
    hover: { contentFormat: ["markdown", "plaintext"] },
    rename: { prepareSupport: true },
    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
    semanticTokens: { requests: { full: true }, tokenTypes: [], tokenModifiers: [], formats: ["relative"] },
    signatureHelp: { signatureInformation: { parameterInformation: { labelOffsetSupport: true } } },
    inlayHint: {},
    foldingRange: {},
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix"] } } },
  },
  workspace: { workspaceFolders: true, symbol: {} },
};

export interface LspClient {
  readonly connection: ProtocolConnection;
  readonly process: ChildProcess;
  readonly initialize: InitializeResult;
  /** Every publishDiagnostics received, by URI, last first. */
  readonly diagnostics: Map<string, PublishDiagnosticsParams[]>;
  open(path: string, text: string, version?: number): string;
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): void;
  close(uri: string): void;
  /** Resolves with the first diagnostics published for `uri` (for `version`, when given) after the call. */
  nextDiagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams>;
  /** The latest diagnostics of `uri`, waiting for the first if none came yet. */
  latestDiagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams>;
  stop(): Promise<void>;
  stderr(): string;
  /** The server's process id. */
  readonly pid: number;
}

export function uriOf(path: string): string {
  return pathToFileURL(nodePath.resolve(path)).href;
}

export async function startClient(opts: { root: string; command?: string[]; capabilities?: ClientCapabilities; initializationOptions?: unknown; settings?: (section: string | undefined) => unknown }): Promise<LspClient> {
  const command = opts.command ?? [process.execPath, AIWC, "lsp", "--stdio"];
  const child = spawn(command[0]!, command.slice(1), { cwd: opts.root, stdio: ["pipe", "pipe", "pipe"] });
  let errors = "";
  child.stderr!.on("data", (d: Buffer) => {
    errors += d.toString();
  });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  const listeners: ((p: PublishDiagnosticsParams) => void)[] = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    const list = diagnostics.get(p.uri) ?? [];
    list.unshift(p);
    diagnostics.set(p.uri, list);
    for (const l of [...listeners]) l(p);
  });
  // Answer the requests a server may send its client.
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("workspace/configuration", (p: { items: { section?: string }[] }) => p.items.map((i) => opts.settings?.(i.section) ?? null));
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.listen();
  const rootUri = uriOf(opts.root);
  const initialize = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: nodePath.basename(opts.root) }],
    capabilities: opts.capabilities ?? clientCapabilities,
    ...(opts.initializationOptions !== undefined ? { initializationOptions: opts.initializationOptions } : {}),
  });
  await connection.sendNotification(InitializedNotification.type, {});
  const waitFor = (uri: string, version: number | undefined, immediate: boolean) =>
    new Promise<PublishDiagnosticsParams>((resolve) => {
      const fits = (p: PublishDiagnosticsParams) => p.uri === uri && (version === undefined || p.version === version);
      const have = diagnostics.get(uri)?.[0];
      if (immediate && have !== undefined && fits(have)) return resolve(have);
      const l = (p: PublishDiagnosticsParams) => {
        if (!fits(p)) return;
        listeners.splice(listeners.indexOf(l), 1);
        resolve(p);
      };
      listeners.push(l);
    });
  return {
    connection,
    process: child,
    initialize,
    diagnostics,
    open(path, text, version = 1) {
      const uri = uriOf(path);
      void connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "aiwork", version, text } });
      return uri;
    },
    change(uri, version, changes) {
      void connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    },
    close(uri) {
      void connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    },
    nextDiagnostics: (uri, version) => waitFor(uri, version, false),
    latestDiagnostics: (uri, version) => waitFor(uri, version, true),
    async stop() {
      try {
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
      } catch {
        // Already gone.
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          child.kill();
          resolve();
        }, 3000);
        child.on("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      connection.dispose();
    },
    stderr: () => errors,
    pid: child.pid!,
  };
}
