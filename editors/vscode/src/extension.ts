// The VS Code side: starts the AIWork language server (the one bundled in
// dist/server.mjs, or the command in `aiwork.server.command`) and connects it
// to `.aiw` documents. Everything else happens in the server.

import { workspace, type ExtensionContext } from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const command = workspace.getConfiguration("aiwork").get<string[]>("server.command") ?? [];
  const serverOptions: ServerOptions =
    command.length > 0
      ? { command: command[0]!, args: command.slice(1), transport: TransportKind.stdio }
      : { module: context.asAbsolutePath("dist/server.mjs"), args: ["--stdio"], transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "aiwork" }],
    synchronize: { fileEvents: workspace.createFileSystemWatcher("**/*.aiw") },
  };
  client = new LanguageClient("aiwork", "AIWork", serverOptions, clientOptions);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
