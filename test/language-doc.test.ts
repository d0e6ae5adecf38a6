// The language reference (docs/language.md) stays true: every example in it
// compiles (or fails with the code it claims), and it names every built-in
// tool and function, every property a block accepts and every diagnostic code.
//
// Fenced blocks and their info strings:
//   ```aiw                    compiles with no errors (warnings allowed)
//   ```aiw error AIW0xxx      compiles with AIW0xxx among its errors
//   ```aiw warning AIW0xxx    compiles with no errors and AIW0xxx among its warnings
// Any other info string (text, sh) is not compiled.
//
// Files: a block is one file, compiled on its own as the only root. A line
// `// file: NAME.aiw` starts a named file; a block may hold several named
// files, and its last file is the root. Named files of the `aiw` blocks
// (those that compile) stay available to later blocks, so a later block can
// `import "./NAME.aiw"` an earlier one. File names are unique in the document.

import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS } from "../compiler/builtins.ts";
import { AGENT_PROPERTIES, FLOW_PROPERTIES, MODEL_PROPERTIES, TASK_PROPERTIES, TOOL_PROPERTIES } from "../compiler/check-properties.ts";
import { compileSources } from "../compiler/compile.ts";
import { DIAGNOSTIC_CODES } from "../compiler/diagnostic-codes.ts";
import type { Diagnostic } from "../compiler/diagnostics.ts";
import { typeToString } from "../compiler/types.ts";
import { keywordTokens } from "../grammar/tokens.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const docPath = path.join(root, "docs", "language.md");
const doc = readFileSync(docPath, "utf8");
/** The document with table-cell escapes (`\|`) undone, for "is it mentioned" checks. */
const plainDoc = doc.replaceAll("\\|", "|");

/** Where the virtual files of the examples live (never on disk). */
const VIRTUAL_DIR = "/aiw-language-doc";

interface Block {
  readonly info: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`docs/language.md:${start + 1}: fenced block is never closed`);
    blocks.push({ info: open[1]!.trim(), text: `${body.join("\n")}\n`, line: start + 1 });
  }
  return blocks;
}

type Expectation = { readonly kind: "ok" } | { readonly kind: "error" | "warning"; readonly code: string };

function expectationOf(info: string): Expectation | undefined {
  if (info === "aiw") return { kind: "ok" };
  const m = /^aiw (error|warning) (AIW\d{4})$/.exec(info);
  if (m) return { kind: m[1] as "error" | "warning", code: m[2]! };
  if (info.startsWith("aiw")) throw new Error(`unknown info string '${info}': use aiw, 'aiw error AIW0xxx' or 'aiw warning AIW0xxx'`);
  return undefined;
}

/** The files of a block: `// file: NAME` lines start named files; otherwise one anonymous file. */
function filesOf(block: Block): { name: string; text: string }[] {
  const lines = block.text.split("\n");
  const files: { name: string; lines: string[] }[] = [];
  for (const line of lines) {
    const m = /^\/\/ file: (\S+)\s*$/.exec(line);
    if (m) {
      files.push({ name: m[1]!, lines: [line] });
      continue;
    }
    if (files.length === 0) {
      if (line.trim() === "") continue;
      files.push({ name: `block-at-line-${block.line}.aiw`, lines: [] });
    }
    files[files.length - 1]!.lines.push(line);
  }
  return files.map((f) => ({ name: f.name, text: `${f.lines.join("\n").trimEnd()}\n` }));
}

function show(d: Diagnostic): string {
  return `${d.severity} ${d.code} ${d.message}`;
}

const blocks = fencedBlocks(doc);
const examples = blocks.flatMap((b) => {
  const e = expectationOf(b.info);
  return e ? [{ block: b, expect: e }] : [];
});

describe("docs/language.md examples", () => {
  // Named files of earlier blocks, by absolute virtual path.
  const library: Record<string, string> = {};
  const seen = new Set<string>();

  it("has examples of each kind", () => {
    expect(examples.filter((e) => e.expect.kind === "ok").length).toBeGreaterThan(20);
    expect(examples.filter((e) => e.expect.kind === "error").length).toBeGreaterThan(20);
  });

  for (const { block, expect: want } of examples) {
    const label = `line ${block.line}: ${block.info}`;
    it(label, () => {
      const files = filesOf(block);
      expect(files.length, "an example must hold some source").toBeGreaterThan(0);
      const own: Record<string, string> = {};
      for (const f of files) {
        expect(seen.has(f.name), `file name '${f.name}' is used twice in the document`).toBe(false);
        seen.add(f.name);
        own[path.posix.join(VIRTUAL_DIR, f.name)] = f.text;
      }
      const rootFile = path.posix.join(VIRTUAL_DIR, files[files.length - 1]!.name);
      const c = compileSources({ ...library, ...own }, [rootFile]);
      const errors = c.diagnostics.filter((d) => d.severity === "error");
      const warnings = c.diagnostics.filter((d) => d.severity === "warning");
      if (want.kind === "ok") {
        expect(errors.map(show), `the example at docs/language.md:${block.line} should compile`).toEqual([]);
        expect(c.ir).toBeDefined();
        Object.assign(library, own);
      } else if (want.kind === "error") {
        expect(
          errors.map((d) => d.code),
          `the example at docs/language.md:${block.line} should fail with ${want.code}; got:\n${c.diagnostics.map(show).join("\n")}`,
        ).toContain(want.code);
      } else {
        expect(errors.map(show), `the example at docs/language.md:${block.line} should have no errors`).toEqual([]);
        expect(
          warnings.map((d) => d.code),
          `the example at docs/language.md:${block.line} should warn with ${want.code}; got:\n${c.diagnostics.map(show).join("\n")}`,
        ).toContain(want.code);
      }
    });
  }
});

describe("docs/language.md coverage", () => {
  /** Mentioned as inline code: `name`, `name(...` or `name:`. */
  const mentionedAsCode = (name: string) => new RegExp("`" + name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[`(:]").test(plainDoc);

  it("names every built-in tool with its exact signature", () => {
    for (const tool of BUILTIN_TOOLS.values()) {
      const params = tool.params.map((p) => `${p.name}: ${typeToString(p.type)}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ""}`);
      const signature = `${tool.name}(${params.join(", ")}) -> ${typeToString(tool.returns)}`;
      expect(plainDoc, `the signature of built-in tool '${tool.name}'`).toContain(signature);
      expect(mentionedAsCode(tool.name), `built-in tool '${tool.name}' in the tools table`).toBe(true);
    }
  });

  it("names every built-in tool that needs memory as such", () => {
    for (const tool of BUILTIN_TOOLS.values()) {
      const row = plainDoc.split("\n").find((l) => l.startsWith(`| \`${tool.name}\` |`));
      expect(row, `a table row for built-in tool '${tool.name}'`).toBeDefined();
      expect(row!.trimEnd().endsWith(tool.needsMemory ? "| yes |" : "| no |"), `the memory column of '${tool.name}'`).toBe(true);
    }
  });

  it("names every built-in function with its exact signature", () => {
    for (const fn of BUILTIN_FUNCTIONS.values()) {
      expect(plainDoc, `the signature of built-in function '${fn.name}'`).toContain(fn.signature);
      expect(mentionedAsCode(fn.name), `built-in function '${fn.name}'`).toBe(true);
    }
  });

  it("names every property each kind of block accepts", () => {
    const specs = { task: TASK_PROPERTIES, flow: FLOW_PROPERTIES, agent: AGENT_PROPERTIES, tool: TOOL_PROPERTIES, model: MODEL_PROPERTIES };
    for (const [owner, spec] of Object.entries(specs)) {
      for (const key of Object.keys(spec)) {
        expect(mentionedAsCode(key), `property '${key}' of a ${owner}`).toBe(true);
      }
    }
  });

  it("lists exactly the keywords of the lexer", () => {
    const intro = doc.indexOf("These words are keywords:");
    expect(intro, "the keyword list").toBeGreaterThan(0);
    const list = blocks.find((b) => b.info === "text" && doc.split("\n").slice(0, b.line - 1).join("\n").length >= intro);
    const documented = list!.text.split(/\s+/).filter((w) => w !== "").sort();
    const actual = keywordTokens.map((t) => String(t.LABEL).replaceAll("'", "")).sort();
    expect(documented).toEqual(actual);
  });

  it("lists every diagnostic code with its severity", () => {
    for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) {
      expect(plainDoc, `diagnostic ${code} in the table`).toContain(`| \`${code}\` | ${info.severity} |`);
    }
  });

  it("shows every example error code it claims in an example", () => {
    // Every code in an `aiw error` or `aiw warning` info string is a real code.
    for (const { expect: want } of examples) {
      if (want.kind !== "ok") expect(Object.hasOwn(DIAGNOSTIC_CODES, want.code), `${want.code} is a diagnostic code`).toBe(true);
    }
  });
});
