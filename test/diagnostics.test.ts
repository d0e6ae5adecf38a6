// Diagnostics as people and tools see them. test/diagnostics/ holds one small
// input per diagnostic code (AIW0101-unknown-name.aiw, ...) with its rendered
// terminal output as a golden file (.txt); helpers that two-file problems
// import live in test/diagnostics/support/. Also checked: the explanations
// of the code table, colour, the JSON form, and `aiwc check` / `aiwc explain`.
// Regenerate the golden files with UPDATE_GOLDEN=1.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, type Compilation } from "../compiler/compile.ts";
import { DIAGNOSTIC_CODES, isDiagnosticCode } from "../compiler/diagnostic-codes.ts";
import { nodeHost, type CompilerHost } from "../compiler/program.ts";
import { diagnosticsToJson, renderDiagnostics } from "../compiler/render-diagnostic.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, "test", "diagnostics");
const bin = path.join(root, "bin", "aiwc.js");
const ANSI = /\x1b\[[0-9;]*m/;

/** Paths in spans are shown relative to the repository root, whatever the working folder. */
const host: CompilerHost = {
  readFile: nodeHost.readFile,
  displayPath: (abs) => path.relative(root, abs).split(path.sep).join("/"),
};

const inputs = readdirSync(dir)
  .filter((f) => f.endsWith(".aiw"))
  .sort();

function codeOf(file: string): string {
  return /^(AIW\d{4})-/.exec(file)?.[1] ?? "";
}

function compileCase(file: string): Compilation {
  return compile([path.join(dir, file)], host);
}

function render(c: Compilation, color: boolean): string {
  return renderDiagnostics(c.diagnostics, c.sourceOf, { color });
}

function golden(name: string, actual: string): void {
  const file = path.join(dir, name);
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(file, actual);
  expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

function aiwc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("golden diagnostics", () => {
  it("has inputs named CODE-slug.aiw for known codes", () => {
    expect(inputs.length).toBeGreaterThan(0);
    for (const f of inputs) {
      expect(f, "name inputs like AIW0101-unknown-name.aiw").toMatch(/^AIW\d{4}-[a-z0-9]+(-[a-z0-9]+)*\.aiw$/);
      expect(isDiagnosticCode(codeOf(f)), `${f} names a code that is not in the table`).toBe(true);
    }
  });

  for (const file of inputs) {
    const code = codeOf(file);
    it(`${file} renders as its golden file and reports ${code}`, () => {
      const c = compileCase(file);
      expect(c.diagnostics.map((d) => d.code)).toContain(code);
      golden(file.replace(/\.aiw$/, ".txt"), render(c, false));
    });
  }

  it("has no golden file without its input", () => {
    const stale = readdirSync(dir).filter((f) => f.endsWith(".txt") && !inputs.includes(f.replace(/\.txt$/, ".aiw")));
    expect(stale).toEqual([]);
  });

  it("covers every code in the table with at least one golden file", () => {
    const covered = new Set(inputs.filter((f) => existsSync(path.join(dir, f.replace(/\.aiw$/, ".txt")))).map(codeOf));
    const missing = Object.keys(DIAGNOSTIC_CODES).filter((c) => !covered.has(c));
    expect(missing).toEqual([]);
  });

  it("renders the same text from any working folder (paths relative to the root)", () => {
    const text = render(compileCase("AIW0104-import-cycle.aiw"), false);
    expect(text).toContain("--> test/diagnostics/support/cycle_helper.aiw:2:");
    expect(text).not.toContain(root);
  });
});

describe("code table", () => {
  const OLD_SYNTAX = ["list<", "= builtin(", "= extern(", "= openvino("];

  for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) {
    it(`${code} has a title and an explanation in the current syntax`, () => {
      expect(code).toMatch(/^AIW\d{4}$/);
      expect(info.title.trim()).not.toBe("");
      expect(info.explanation.trim()).not.toBe("");
      for (const old of OLD_SYNTAX) expect(info.explanation, `${code} mentions '${old}'`).not.toContain(old);
      expect(info.explanation, `${code} has no snippet with a caret line`).toMatch(/^ *\^+/m);
      expect(ANSI.test(info.explanation)).toBe(false);
      const long = info.explanation.split("\n").filter((l) => l.length > 80);
      expect(long, `${code} has lines wider than 80 columns`).toEqual([]);
    });
  }

  it("lists the codes in ascending order", () => {
    const codes = Object.keys(DIAGNOSTIC_CODES);
    expect(codes).toEqual([...codes].sort());
  });
});

describe("rendering", () => {
  it("emits ANSI colour only when asked to", () => {
    const c = compileCase("AIW0301-agent-lacks-tool.aiw");
    expect(ANSI.test(render(c, true))).toBe(true);
    expect(ANSI.test(render(c, false))).toBe(false);
  });

  it("colours a warning-only file too, and says how many warnings", () => {
    const c = compileCase("AIW0501-unused-declaration.aiw");
    expect(ANSI.test(render(c, true))).toBe(true);
    expect(render(c, false).trimEnd().endsWith("1 warning")).toBe(true);
  });

  it("gives the JSON form with 1-based positions, labels, notes and fixes", () => {
    const c = compileCase("AIW0301-agent-lacks-tool.aiw");
    golden("AIW0301-agent-lacks-tool.json", `${JSON.stringify(diagnosticsToJson(c.diagnostics, c.sourceOf), null, 2)}\n`);
  });
});

describe("aiwc check", () => {
  it("exits 0 on a clean example and says so", () => {
    const r = aiwc("check", "examples/invoice_triage.aiw");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("no problems");
    expect(r.stderr).toBe("");
  });

  it("exits 1 on a file with errors and prints its golden output without colour when stdout is not a terminal", () => {
    const r = aiwc("check", "test/diagnostics/AIW0301-agent-lacks-tool.aiw");
    expect(r.status).toBe(1);
    expect(ANSI.test(r.stderr)).toBe(false);
    expect(r.stderr).toBe(readFileSync(path.join(dir, "AIW0301-agent-lacks-tool.txt"), "utf8"));
  });

  it("exits 0 on warnings only, and 1 with --deny-warnings", () => {
    expect(aiwc("check", "test/diagnostics/AIW0501-unused-declaration.aiw").status).toBe(0);
    expect(aiwc("check", "--deny-warnings", "test/diagnostics/AIW0501-unused-declaration.aiw").status).toBe(1);
  });

  it("exits 2 on a file that does not exist", () => {
    const r = aiwc("check", "test/diagnostics/no-such-file.aiw");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no-such-file.aiw");
  });

  it("prints parseable JSON with --json", () => {
    const r = aiwc("check", "--json", "test/diagnostics/AIW0301-agent-lacks-tool.aiw");
    expect(r.status).toBe(1);
    const parsed = JSON.parse(r.stdout) as { diagnostics: { code: string }[]; errors: number; warnings: number };
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(["AIW0301"]);
    expect(parsed.errors).toBe(1);
    expect(parsed.warnings).toBe(0);
    expect(ANSI.test(r.stdout)).toBe(false);
  });

  it("prints JSON with no diagnostics for a clean file", () => {
    const r = aiwc("check", "--json", "examples/invoice_triage.aiw");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ diagnostics: [], errors: 0, warnings: 0 });
  });
});

describe("aiwc explain", () => {
  it("prints the title and explanation of a code", () => {
    const r = aiwc("explain", "AIW0101");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("AIW0101: unknown name (error)");
    expect(r.stdout).toContain(DIAGNOSTIC_CODES.AIW0101.explanation);
  });

  it("accepts a code by its number alone, and in lower case", () => {
    const byNumber = aiwc("explain", "101");
    expect(byNumber.status).toBe(0);
    expect(byNumber.stdout).toBe(aiwc("explain", "AIW0101").stdout);
    expect(aiwc("explain", "aiw0501").stdout).toContain("AIW0501: unused declaration (warning)");
  });

  it("exits 2 on an unknown code", () => {
    const r = aiwc("explain", "AIW9999");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("AIW9999");
    expect(r.stdout).toBe("");
  });

  it("lists every code with its severity and title when given none", () => {
    const r = aiwc("explain");
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(Object.keys(DIAGNOSTIC_CODES).length);
    for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) {
      expect(r.stdout).toContain(`${code}  ${info.severity.padEnd(7)}  ${info.title}`);
    }
  });
});
