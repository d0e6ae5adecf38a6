// The language server as an editor sees it: `aiwc lsp --stdio` started as a
// separate process, spoken to over stdio with vscode-languageserver-protocol's
// connection, on a copy of the examples (and a few half-typed files).

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionList, Hover, Location, SemanticTokens, SignatureHelp, SymbolInformation, DocumentSymbol, TextEdit, WorkspaceEdit, CodeAction, FoldingRange, InlayHint, Position } from "vscode-languageserver-protocol";
import { formatAiw } from "../compiler/backends/format/index.ts";
import { AIWC, REPO, startClient, uriOf, type LspClient } from "./helpers/lsp-client.ts";

const EXAMPLES = nodePath.join(REPO, "examples");
let root: string;
let client: LspClient;

function posOf(text: string, needle: string, delta = 0): Position {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`'${needle}' not in text`);
  return posAt(text, at + delta);
}

function posAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

function request<R>(method: string, params: unknown): Promise<R> {
  return client.connection.sendRequest(method, params) as Promise<R>;
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split("\n");
  const offsetOf = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offsetOf(b.range.start) - offsetOf(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetOf(e.range.start)) + e.newText + out.slice(offsetOf(e.range.end));
  return out;
}

/** Diagnostic messages are strings here (3.18 allows Markdown too). */
const text0 = (m: string | { value: string }) => (typeof m === "string" ? m : m.value);

const read = (name: string) => readFileSync(nodePath.join(root, name), "utf8");

beforeAll(async () => {
  root = mkdtempSync(nodePath.join(os.tmpdir(), "aiw-lsp-"));
  for (const f of readdirSync(EXAMPLES)) if (f.endsWith(".aiw")) copyFileSync(nodePath.join(EXAMPLES, f), nodePath.join(root, f));
  client = await startClient({ root });
});

afterAll(async () => {
  await client?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("aiwc lsp", () => {
  it("advertises exactly the capabilities it implements", () => {
    expect(Object.keys(client.initialize.capabilities).sort()).toEqual(
      [
        "codeActionProvider",
        "completionProvider",
        "definitionProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
        "foldingRangeProvider",
        "hoverProvider",
        "inlayHintProvider",
        "referencesProvider",
        "renameProvider",
        "semanticTokensProvider",
        "signatureHelpProvider",
        "textDocumentSync",
        "workspaceSymbolProvider",
      ].sort(),
    );
    expect(client.initialize.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
    expect(client.initialize.capabilities.renameProvider).toEqual({ prepareProvider: true });
  });

  it("publishes for every example the diagnostics aiwc check reports", async () => {
    const files = readdirSync(root).filter((f) => f.endsWith(".aiw")).sort();
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const uri = uriOf(nodePath.join(root, f));
      const published = await client.latestDiagnostics(uri);
      let out: string;
      try {
        out = execFileSync(process.execPath, [AIWC, "check", "--json", f], { cwd: root, encoding: "utf8" });
      } catch (err) {
        out = (err as { stdout: string }).stdout;
      }
      const expected = (JSON.parse(out) as { diagnostics: { code: string; message: string; location: { file: string; start: { line: number; column: number } } }[] }).diagnostics
        .filter((d) => d.location.file === f)
        .map((d) => ({ code: d.code, message: d.message, line: d.location.start.line - 1, character: d.location.start.column - 1 }));
      const got = published.diagnostics.map((d) => ({ code: d.code, message: text0(d.message).split("\n")[0], line: d.range.start.line, character: d.range.start.character }));
      expect(got, f).toEqual(expected);
    }
  });

  it("re-checks the files that import a file when one of its names changes", async () => {
    const common = nodePath.join(root, "common.aiw");
    const text = read("common.aiw");
    const importer = uriOf(nodePath.join(root, "invoice_triage.aiw"));
    await client.latestDiagnostics(importer);
    const uri = client.open(common, text, 1);
    await client.latestDiagnostics(uri, 1);
    const broken = client.nextDiagnostics(importer);
    client.change(uri, 2, [{ text: text.replace("tool notify(", "tool notify_team(") }]);
    const after = await broken;
    expect(after.diagnostics.some((d) => d.code === "AIW0101" && text0(d.message).includes("notify"))).toBe(true);
    const fixed = client.nextDiagnostics(importer);
    client.change(uri, 3, [{ text }]);
    expect((await fixed).diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  });

  it("applies incremental edits and publishes diagnostics for the latest version only", async () => {
    const path = nodePath.join(root, "edit_me.aiw");
    const text = 'flow f(a: string) {\n  task t { run: upper(a) }\n}\n';
    writeFileSync(path, text);
    const uri = client.open(path, text, 1);
    expect((await client.latestDiagnostics(uri, 1)).diagnostics).toEqual([]);
    // Type "bc" after `a` in `upper(a)` one character at a time, then delete it again.
    const at = posOf(text, "upper(a", 7);
    client.change(uri, 2, [{ range: { start: at, end: at }, text: "b" }]);
    client.change(uri, 3, [{ range: { start: { ...at, character: at.character + 1 }, end: { ...at, character: at.character + 1 } }, text: "c" }]);
    const third = await client.latestDiagnostics(uri, 3);
    expect(third.diagnostics.map((d) => text0(d.message).split("\n")[0])).toContain("unknown name 'abc'");
    expect(client.diagnostics.get(uri)![0]!.version).toBe(3);
    client.change(uri, 4, [{ range: { start: at, end: { ...at, character: at.character + 2 } }, text: "" }]);
    expect((await client.latestDiagnostics(uri, 4)).diagnostics).toEqual([]);
  });

  describe("completion", () => {
    async function complete(name: string, text: string, marker = "|"): Promise<string[]> {
      const path = nodePath.join(root, name);
      const at = text.indexOf(marker);
      const clean = text.replace(marker, "");
      const uri = client.open(path, clean, 1);
      await client.latestDiagnostics(uri, 1);
      const list = await request<CompletionList>("textDocument/completion", { textDocument: { uri }, position: posAt(clean, at) });
      return list.items.map((i) => i.label);
    }

    it("offers property names inside an unclosed task block", async () => {
      const labels = await complete("half_task.aiw", 'import "./common.aiw"\n\nflow f(text: string) {\n  task first {\n    |\n');
      expect(labels).toEqual(expect.arrayContaining(["run", "agent", "guard", "retries", "timeout", "output"]));
      expect(labels).not.toContain("role");
    });

    it("offers a task's output fields after `task.`", async () => {
      const labels = await complete("half_dot.aiw", 'import "./common.aiw"\n\nflow f(text: string) {\n  task short {\n    run: summarise(text: text)\n  }\n  task next {\n    run: upper(short.|\n');
      expect(labels.sort()).toEqual(["summary", "words"]);
    });

    it("offers a tool's parameters inside a call", async () => {
      const labels = await complete("half_call.aiw", 'import "./common.aiw"\n\nflow f(text: string) {\n  task send {\n    run: notify(channel: "ops", |\n');
      expect(labels).toEqual(expect.arrayContaining(["text:", "urgent:"]));
      expect(labels).not.toContain("channel:");
      expect(labels).toContain("text");
    });

    it("offers agents, tools, types and declarations where each belongs", async () => {
      const base = 'import "./common.aiw"\nagent writer {\n  role: "w"\n  goal: "g"\n  tools: [|]\n}\n';
      expect(await complete("c_tools.aiw", base)).toEqual(expect.arrayContaining(["notify", "summarise", "read_text"]));
      expect(await complete("c_agent.aiw", 'agent writer {\n  role: "w"\n  goal: "g"\n}\nflow f() {\n  task t {\n    agent: |\n  }\n}\n')).toEqual(["writer"]);
      expect(await complete("c_type.aiw", 'import "./common.aiw"\ntool t(n: |) {}\n')).toEqual(expect.arrayContaining(["string", "number", "Notice", "Labels"]));
      expect(await complete("c_top.aiw", "type A = string\n\n|")).toEqual(expect.arrayContaining(["flow", "tool", "agent", "flow …"]));
      expect(await complete("c_import.aiw", 'import { | } from "./common.aiw"\n')).toEqual(expect.arrayContaining(["notify", "Notice", "not_empty"]));
      expect(await complete("c_after.aiw", "flow f() {\n  task a { run: 1 }\n  task b after | {\n")).toEqual(["a"]);
    });
  });

  describe("on invoice_triage.aiw", () => {
    let uri: string;
    let text: string;
    beforeAll(async () => {
      text = read("invoice_triage.aiw");
      uri = uriOf(nodePath.join(root, "invoice_triage.aiw"));
      client.open(nodePath.join(root, "invoice_triage.aiw"), text, 1);
      await client.latestDiagnostics(uri, 1);
    });

    it("hovers a tool with its signature and doc comment, an agent with its persona, a task with its output type", async () => {
      const tool = await request<Hover>("textDocument/hover", { textDocument: { uri }, position: posOf(text, "run: extract_fields", 6) });
      expect(JSON.stringify(tool.contents)).toContain("tool extract_fields(text: string) -> Invoice");
      expect(JSON.stringify(tool.contents)).toContain("Pulls vendor");
      const agent = await request<Hover>("textDocument/hover", { textDocument: { uri }, position: posOf(text, "agent: controller", 8) });
      expect(JSON.stringify(agent.contents)).toContain("Financial controller");
      const task = await request<Hover>("textDocument/hover", { textDocument: { uri }, position: posOf(text, "task extract", 6) });
      expect(JSON.stringify(task.contents)).toContain("task extract: Invoice");
      const field = await request<Hover>("textDocument/hover", { textDocument: { uri }, position: posOf(text, "read.text", 6) });
      expect(JSON.stringify(field.contents)).toContain("text: string");
    });

    it("goes to definitions in this file and in imported ones", async () => {
      const local = await request<Location>("textDocument/definition", { textDocument: { uri }, position: posOf(text, "run: extract_fields", 6) });
      expect(local.uri).toBe(uri);
      expect(local.range.start).toEqual(posOf(text, "tool extract_fields", 5));
      const imported = await request<Location>("textDocument/definition", { textDocument: { uri }, position: posOf(text, "tools: [notify]", 9) });
      expect(imported.uri).toBe(uriOf(nodePath.join(root, "common.aiw")));
      expect(imported.range.start).toEqual(posOf(read("common.aiw"), "tool notify", 5));
    });

    it("still goes to definitions in an imported file that was opened and closed without a change", async () => {
      const common = nodePath.join(root, "common.aiw");
      const commonUri = client.open(common, read("common.aiw"), 1);
      await client.latestDiagnostics(commonUri, 1);
      client.close(commonUri);
      const imported = await request<Location>("textDocument/definition", { textDocument: { uri }, position: posOf(text, "tools: [notify]", 9) });
      expect(imported.uri).toBe(commonUri);
      expect(imported.range.start).toEqual(posOf(read("common.aiw"), "tool notify", 5));
    });

    it("finds references across files", async () => {
      const refs = await request<Location[]>("textDocument/references", { textDocument: { uri }, position: posOf(text, "tools: [notify]", 9), context: { includeDeclaration: true } });
      const files = new Set(refs.map((r) => nodePath.basename(r.uri)));
      expect(files).toEqual(expect.objectContaining({}));
      expect([...files]).toEqual(expect.arrayContaining(["common.aiw", "invoice_triage.aiw", "incident_response.aiw"]));
    });

    it("renames across files, import lists included, and refuses bad names", async () => {
      const at = { textDocument: { uri }, position: posOf(text, "tools: [notify]", 9) };
      const prepared = await request<{ range: unknown; placeholder: string }>("textDocument/prepareRename", at);
      expect(prepared.placeholder).toBe("notify");
      const edit = await request<WorkspaceEdit>("textDocument/rename", { ...at, newName: "post_notice" });
      const common = uriOf(nodePath.join(root, "common.aiw"));
      expect(Object.keys(edit.changes!)).toEqual(expect.arrayContaining([uri, common]));
      expect(applyEdits(text, edit.changes![uri]!)).toContain('import { post_notice, Notice } from "./common.aiw"');
      expect(applyEdits(read("common.aiw"), edit.changes![common]!)).toContain("tool post_notice(");
      await expect(request("textDocument/rename", { ...at, newName: "flow" })).rejects.toThrow(/keyword/);
      await expect(request("textDocument/rename", { ...at, newName: "clerk" })).rejects.toThrow(/already/);
      await expect(request("textDocument/rename", { ...at, newName: "9lives" })).rejects.toThrow(/not a name/);
      await expect(request("textDocument/prepareRename", { textDocument: { uri }, position: posOf(text, "run: read_text", 6) })).rejects.toThrow(/built-in/);
    });

    it("lists document and workspace symbols", async () => {
      const symbols = await request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
      expect(symbols.map((s) => s.name)).toEqual(["Invoice", "extract_fields", "clerk", "controller", "positive", "process_invoice"]);
      const flow = symbols.find((s) => s.name === "process_invoice")!;
      expect(flow.children!.map((c) => c.name)).toEqual(expect.arrayContaining(["document", "limit", "read", "extract", "file_it", "escalate"]));
      const found = await request<SymbolInformation[]>("workspace/symbol", { query: "ntfy" });
      expect(found.map((s) => s.name)).toContain("notify");
    });

    it("gives semantic tokens that know tools, agents and tasks", async () => {
      const tokens = await request<SemanticTokens>("textDocument/semanticTokens/full", { textDocument: { uri } });
      const legend = client.initialize.capabilities.semanticTokensProvider!.legend;
      const decoded: { line: number; char: number; len: number; type: string }[] = [];
      let line = 0;
      let char = 0;
      for (let i = 0; i < tokens.data.length; i += 5) {
        const [dl, dc, len, type] = tokens.data.slice(i, i + 4) as [number, number, number, number];
        line += dl;
        char = dl === 0 ? char + dc : dc;
        decoded.push({ line, char, len, type: legend.tokenTypes[type]! });
      }
      const typeAt = (p: Position) => decoded.find((d) => d.line === p.line && d.char === p.character)?.type;
      expect(typeAt(posOf(text, "run: extract_fields", 5))).toBe("function");
      expect(typeAt(posOf(text, "agent: clerk", 7))).toBe("class");
      expect(typeAt(posOf(text, "read.text", 0))).toBe("event");
      expect(typeAt(posOf(text, "type Invoice", 0))).toBe("keyword");
    });

    it("folds blocks and comment runs, shows inferred output types, helps with signatures", async () => {
      const folds = await request<FoldingRange[]>("textDocument/foldingRange", { textDocument: { uri } });
      expect(folds.some((f) => f.startLine === posOf(text, "task extract").line)).toBe(true);
      expect(folds.some((f) => f.kind === "comment" && f.startLine === 0)).toBe(true);
      const hints = await request<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } } });
      expect(hints.find((h) => h.position.line === posOf(text, "task read").line)?.label).toBe(": { text: string }");
      const help = await request<SignatureHelp>("textDocument/signatureHelp", { textDocument: { uri }, position: posOf(text, "extract_fields(text: read", 21) });
      expect(help.signatures[0]!.label).toBe("extract_fields(text: string) -> Invoice");
      expect(help.activeParameter).toBe(0);
    });

    it("formats as aiwc fmt does", async () => {
      const messy = text.replace("  task read {", "  task   read   {");
      client.change(uri, 2, [{ text: messy }]);
      const edits = await request<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
      expect(applyEdits(messy, edits)).toBe(await formatAiw(messy, "invoice_triage.aiw"));
      client.change(uri, 3, [{ text }]);
    });
  });

  it("offers the compiler's suggested fixes as quick fixes", async () => {
    const path = nodePath.join(root, "fix_me.aiw");
    const text = 'agent a {\n  role: "r"\n  goal: "g"\n  tools: [read_text]\n}\nflow f(p: string) {\n  task t {\n    agent: a\n    run: write_text(path: p, text: "x") # write it\n  }\n}\n';
    const uri = client.open(path, text, 1);
    const published = await client.latestDiagnostics(uri, 1);
    expect(published.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(["AIW0001", "AIW0301"]));
    const actions = await request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 11, character: 0 } }, context: { diagnostics: published.diagnostics } });
    const add = actions.find((a) => a.title.includes("add 'write_text'"))!;
    expect(add.isPreferred).toBe(true);
    expect(applyEdits(text, add.edit!.changes![uri]!)).toContain("tools: [read_text, write_text]");
    expect(actions.map((a) => a.title)).toContain("comments start with '//'");
  });
});
