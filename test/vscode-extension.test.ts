// The VS Code extension: its TextMate grammar (vscode-tmgrammar-test on the
// assertion file, and on every example against the compiler's own lexer), the
// client's types, and packaging the .vsix offline with @vscode/vsce.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as nodePath from "node:path";
import { describe, expect, it } from "vitest";
import * as T from "../grammar/tokens.ts";
import { lex } from "../grammar/parse.ts";
import { REPO } from "./helpers/lsp-client.ts";

const require = createRequire(import.meta.url);
const EXT = nodePath.join(REPO, "editors", "vscode");
const GRAMMAR = nodePath.join(EXT, "syntaxes", "aiw.tmLanguage.json");

async function tokenizer() {
  const vsctm = require("vscode-textmate") as typeof import("vscode-textmate");
  const oniguruma = require("vscode-oniguruma") as typeof import("vscode-oniguruma");
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async () => vsctm.parseRawGrammar(readFileSync(GRAMMAR, "utf8"), GRAMMAR),
  });
  const grammar = (await registry.loadGrammar("source.aiw"))!;
  return (text: string) => {
    const out: { line: number; start: number; end: number; scopes: string[] }[] = [];
    let state = vsctm.INITIAL;
    text.split("\n").forEach((line, i) => {
      const r = grammar.tokenizeLine(line, state);
      for (const t of r.tokens) out.push({ line: i, start: t.startIndex, end: t.endIndex, scopes: t.scopes });
      state = r.ruleStack;
    });
    return out;
  };
}

describe("VS Code extension", () => {
  it("passes the grammar's assertion tests (vscode-tmgrammar-test)", () => {
    const out = execFileSync(process.execPath, [require.resolve("vscode-tmgrammar-test/dist/unit.js"), "-g", GRAMMAR, "--config", nodePath.join(EXT, "package.json"), nodePath.join(EXT, "test", "*.aiw")], { encoding: "utf8" });
    expect(out).toContain("run successfuly");
  });

  it("scopes every example's comments, strings, numbers and keywords as the compiler's lexer reads them", async () => {
    const tokenize = await tokenizer();
    const files = readdirSync(nodePath.join(REPO, "examples")).filter((f) => f.endsWith(".aiw"));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const text = readFileSync(nodePath.join(REPO, "examples", f), "utf8");
      const tm = tokenize(text);
      const lineStarts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
      const scopesAt = (offset: number) => {
        let line = lineStarts.length - 1;
        while (lineStarts[line]! > offset) line--;
        const col = offset - lineStarts[line]!;
        return tm.find((t) => t.line === line && t.start <= col && col < t.end)?.scopes.join(" ") ?? "";
      };
      const { tokens, comments } = lex(text);
      for (const c of comments) expect(scopesAt(c.startOffset), `${f}: comment at ${c.startOffset}`).toMatch(/comment/);
      for (const t of tokens) {
        const where = `${f}: '${t.image}' at ${t.startOffset}`;
        const s = scopesAt(t.startOffset);
        if (t.tokenType === T.StringToken) expect(s, where).toMatch(/string\.quoted/);
        else if (s.includes("string.quoted")) continue; // inside an interpolation's own scopes
        else if (t.tokenType === T.NumberToken || t.tokenType === T.Duration) expect(s, where).toMatch(/constant\.numeric/);
        else if (T.keywordTokens.includes(t.tokenType) && text[t.startOffset + t.image.length] !== ":" && !/^\s*:/.test(text.slice(t.startOffset + t.image.length))) {
          if (t.tokenType === T.Output) continue; // `output` is a keyword only before a type
          expect(s, where).toMatch(/keyword|storage|constant\.language/);
        }
      }
    }
  });

  it("type-checks the client", () => {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", nodePath.join(EXT, "tsconfig.json")], { encoding: "utf8" });
  });

  it("packages a .vsix with the bundled server, offline", () => {
    const dir = mkdtempSync(nodePath.join(os.tmpdir(), "aiw-vsix-"));
    try {
      const out = nodePath.join(dir, "aiwork.vsix");
      execFileSync(process.execPath, [nodePath.join(EXT, "package.ts"), "--out", out], { encoding: "utf8", stdio: "pipe" });
      expect(existsSync(out)).toBe(true);
      const zip = readFileSync(out);
      expect(zip.subarray(0, 2).toString()).toBe("PK");
      for (const name of ["extension/dist/server.mjs", "extension/dist/extension.js", "extension/syntaxes/aiw.tmLanguage.json", "extension/language-configuration.json", "extension/icons/aiw.svg"]) {
        expect(zip.includes(Buffer.from(name)), name).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
