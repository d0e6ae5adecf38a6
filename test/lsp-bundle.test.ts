// The language server as the VS Code extension ships it: dist/server.mjs and
// its analysis worker dist/lsp-worker.mjs, bundled by editors/vscode/package.ts
// (into a temporary folder here), started as a separate process without the
// repository's sources and spoken to over stdio. Each kind of request is
// answered where it should be: diagnostics and hover by the worker,
// completion and signature help by the main thread, formatting by the worker
// loading Prettier on first use.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionList, Hover, Position, SignatureHelp, TextEdit } from "vscode-languageserver-protocol";
import { formatAiw } from "../compiler/backends/format/index.ts";
import { REPO, startClient, type LspClient } from "./helpers/lsp-client.ts";

let dist: string;
let root: string;
let client: LspClient;

function posAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  return { line: before.split("\n").length - 1, character: offset - (before.lastIndexOf("\n") + 1) };
}

beforeAll(async () => {
  dist = mkdtempSync(nodePath.join(os.tmpdir(), "aiw-lsp-bundle-"));
  execFileSync(process.execPath, [nodePath.join(REPO, "editors", "vscode", "package.ts"), "--bundle-only", "--outdir", dist], { stdio: "pipe" });
  expect(readdirSync(dist).sort()).toEqual(expect.arrayContaining(["extension.js", "lsp-worker.mjs", "server.mjs"]));
  root = mkdtempSync(nodePath.join(os.tmpdir(), "aiw-lsp-bundled-"));
  copyFileSync(nodePath.join(REPO, "examples", "common.aiw"), nodePath.join(root, "common.aiw"));
  // Outside the repository, so that nothing but the bundle can be loaded.
  client = await startClient({ root, command: [process.execPath, nodePath.join(dist, "server.mjs"), "--stdio"] });
}, 120_000);

afterAll(async () => {
  await client?.stop();
  rmSync(dist, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe("bundled language server", () => {
  it("checks, completes, hovers, helps with signatures and formats through its bundled worker", async () => {
    const text = 'import "./common.aiw"\n\nflow f(text: string) {\n  task short {\n    run: summarise(text: text)\n  }\n  task next {\n    run: upper(short.words)\n  }\n  return next\n}\n';
    const path = nodePath.join(root, "bundled.aiw");
    writeFileSync(path, text);
    const uri = client.open(path, text, 1);
    // upper() of a number: one error, on that line.
    const errors = (await client.latestDiagnostics(uri, 1)).diagnostics.filter((d) => d.severity === 1);
    expect(errors.map((d) => d.range.start.line)).toEqual([posAt(text, text.indexOf("upper(")).line]);

    const member = await client.connection.sendRequest<CompletionList>("textDocument/completion", { textDocument: { uri }, position: posAt(text, text.indexOf("short.words") + 6) });
    expect(member.items.map((i) => i.label).sort()).toEqual(["summary", "words"]);

    const hover = await client.connection.sendRequest<Hover>("textDocument/hover", { textDocument: { uri }, position: posAt(text, text.indexOf("summarise") + 2) });
    expect(JSON.stringify(hover.contents)).toContain("tool summarise(");

    const help = await client.connection.sendRequest<SignatureHelp>("textDocument/signatureHelp", { textDocument: { uri }, position: posAt(text, text.indexOf("text: text") + 6) });
    expect(help.signatures[0]!.label).toMatch(/^summarise\(text: string/);

    const messy = text.replace("  task short {", "  task   short   {");
    client.change(uri, 2, [{ text: messy }]);
    const edits = await client.connection.sendRequest<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    const offset = (p: Position) => messy.split("\n").slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    const formatted = [...edits].reverse().reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), messy);
    expect(formatted).toBe(await formatAiw(messy, "bundled.aiw"));
    expect(formatted).toContain("  task short {");
    expect(client.stderr()).toBe("");
  });
});
