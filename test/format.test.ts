// The `.aiw` formatter: idempotent, keeps every comment in order, never
// changes what a file means, refuses files with syntax errors, and works from
// `aiwc fmt` and from Prettier's own CLI.

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { formatAiw } from "../compiler/backends/format/index.ts";
import { parseFile } from "../compiler/parse-file.ts";

const root = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = nodePath.join(root, "test", "format");
const examplesDir = nodePath.join(root, "examples");

function aiwFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".aiw"))
    .sort()
    .map((f) => nodePath.join(dir, f));
}

/** Every input: the examples (whatever exists) and the test data, expected outputs included. */
const inputs = [...aiwFiles(examplesDir), ...aiwFiles(dataDir)];
const read = (file: string) => readFileSync(file, "utf8");
const rel = (file: string) => nodePath.relative(root, file);

/** Where things are (every node carries its file and offsets) and the comments: not what the file means. */
const SPAN_KEYS = new Set(["file", "start", "end", "span", "operatorSpan", "argsSpan", "pathSpan", "returnSpan", "comments"]);

/** The AST without positions and comments: what the file means. */
function meaning(text: string, dropDocs = false): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== "object") return v;
    const entries = Object.entries(v).filter(([k]) => !SPAN_KEYS.has(k) && !(dropDocs && k === "doc"));
    return Object.fromEntries(entries.map(([k, x]) => [k, strip(x)]));
  };
  return strip(parseFile("x.aiw", text).ast);
}

function commentTexts(text: string): string[] {
  return parseFile("x.aiw", text).ast.comments.map((c) => c.text);
}

function syntaxErrorCount(text: string): number {
  return parseFile("x.aiw", text).diagnostics.filter((d) => d.severity === "error").length;
}

describe("formatting every example and test input", () => {
  it("finds the test inputs", () => {
    expect(aiwFiles(dataDir).length).toBeGreaterThanOrEqual(4);
  });

  for (const file of inputs) {
    describe(rel(file), () => {
      const text = read(file);

      it("is idempotent", async () => {
        const once = await formatAiw(text, file);
        expect(await formatAiw(once, file)).toBe(once);
      });

      it("keeps every comment, in order", async () => {
        expect(commentTexts(await formatAiw(text, file))).toEqual(commentTexts(text));
      });

      it("parses to the same AST", async () => {
        const out = await formatAiw(text, file);
        expect(syntaxErrorCount(out)).toBe(0);
        expect(meaning(out)).toEqual(meaning(text));
      });

      it("ends with exactly one newline and uses LF", async () => {
        const out = await formatAiw(text, file);
        expect(out).toMatch(/[^\n]\n$/);
        expect(out).not.toContain("\r");
      });
    });
  }
});

describe("expected outputs", () => {
  const expected = aiwFiles(dataDir).filter((f) => f.endsWith(".formatted.aiw"));

  it("has expected outputs to compare with", () => {
    expect(expected.length).toBeGreaterThanOrEqual(3);
  });

  for (const out of expected) {
    const input = out.replace(/\.formatted\.aiw$/, ".aiw");
    it(`${rel(input)} formats to ${rel(out)}`, async () => {
      expect(await formatAiw(read(input), input)).toBe(read(out));
    });
  }

  it("leaves the style-guide example as it is", async () => {
    const style = read(nodePath.join(dataDir, "style.aiw"));
    expect(await formatAiw(style)).toBe(style);
  });
});

describe("layout details", () => {
  it("breaks a long inline record, list or call one item per line with a trailing comma", async () => {
    const long = "x".repeat(40);
    const out = await formatAiw(`agent a {\n  tools: [${long}, ${long}, ${long}]\n  memory: f(a: "${long}", b: "${long}")\n}\n`);
    expect(out).toBe(`agent a {\n  tools: [\n    ${long},\n    ${long},\n    ${long},\n  ]\n  memory: f(\n    a: "${long}",\n    b: "${long}",\n  )\n}\n`);
  });

  it("breaks a long binary expression before its operators, and before `else`", async () => {
    const a = "a".repeat(30);
    const out = await formatAiw(`flow f() {\n  task t {\n    guard: ${a} > 1 and ${a} < 2 or ${a} == 3 else "too long"\n  }\n}\n`);
    expect(out).toBe(`flow f() {\n  task t {\n    guard: ${a} > 1 and ${a} < 2\n      or ${a} == 3\n      else "too long"\n  }\n}\n`);
  });

  it("keeps one blank line where the source had several, none at the start of a block", async () => {
    expect(await formatAiw("agent a {\n\n\n  role: 1\n\n\n\n  tools: 2\n\n}\n")).toBe("agent a {\n  role: 1\n\n  tools: 2\n}\n");
  });

  it("drops commas between properties and keeps the user's parentheses", async () => {
    expect(await formatAiw("agent a { x: (1 + 2) * 3, y: ((z)), }")).toBe("agent a {\n  x: (1 + 2) * 3\n  y: ((z))\n}\n");
  });

  it("prints strings, numbers and durations exactly as written", async () => {
    const out = await formatAiw('agent a { s: "\\u{41}\\t${ x . y }\\$" n: 1.50 e: 2E3 d: 1.5h }');
    expect(out).toBe('agent a {\n  s: "\\u{41}\\t${ x . y }\\$"\n  n: 1.50\n  e: 2E3\n  d: 1.5h\n}\n');
  });

  it("puts a doc comment directly above its declaration", async () => {
    expect(await formatAiw("/// Doc.\n\n\ntype T = string\n")).toBe("/// Doc.\ntype T = string\n");
  });

  it("keeps imports together and separates declarations by one blank line", async () => {
    expect(await formatAiw('import "a.aiw"\n\n\nimport "b.aiw"\ntype A = string\ntype B = number')).toBe(
      'import "a.aiw"\nimport "b.aiw"\n\ntype A = string\n\ntype B = number\n',
    );
  });

  it("normalises CRLF line endings to LF", async () => {
    const lf = read(nodePath.join(dataDir, "comments.aiw"));
    expect(await formatAiw(lf.replace(/\n/g, "\r\n"))).toBe(await formatAiw(lf));
  });

  it("formats an empty file, and a file of comments only", async () => {
    expect(await formatAiw("")).toBe("");
    expect(await formatAiw("\n\n")).toBe("");
    expect(await formatAiw("// a\n\n\n/* b */\n")).toBe("// a\n\n/* b */\n");
  });
});

describe("comments inserted anywhere", () => {
  // Every gap between two tokens gets a comment, one at a time; each result is
  // checked like a real file. A `///` that documents nothing (say, before a
  // comma) may end up above the next field or declaration and document it, so
  // for those only the comments themselves are compared.
  const kinds = [(i: number) => ` /* c${i} */ `, (i: number) => ` // c${i}\n`, (i: number) => `\n/// d${i}\n`];

  for (const name of ["constructs.aiw", "comments.aiw"]) {
    it(`keeps the meaning and every comment of ${name}`, async () => {
      const text = read(nodePath.join(dataDir, name));
      const offsets = [...parseFile("x.aiw", text, { tokens: true }).tokens.map((t) => t.startOffset), text.length];
      const failures: string[] = [];
      for (const [t, at] of offsets.entries()) {
        for (const kind of kinds) {
          const comment = kind(t);
          const src = text.slice(0, at) + comment + text.slice(at);
          const problems = await checkInsertion(src, comment.trim());
          if (problems.length > 0) failures.push(`${JSON.stringify(comment)} at offset ${at}: ${problems.join(", ")}`);
        }
      }
      expect(failures).toEqual([]);
    }, 240_000);
  }

  async function checkInsertion(src: string, comment: string): Promise<string[]> {
    const out = await formatAiw(src);
    const problems: string[] = [];
    if (syntaxErrorCount(out) > 0) problems.push("output has syntax errors");
    if (JSON.stringify(commentTexts(out)) !== JSON.stringify(commentTexts(src))) problems.push("comments differ");
    const isDoc = comment.startsWith("///");
    const documentsSomething = isDoc && JSON.stringify(meaning(src)).includes(comment.slice(4));
    if (isDoc && !documentsSomething) return problems;
    if (JSON.stringify(meaning(out)) !== JSON.stringify(meaning(src))) problems.push("AST differs");
    if ((await formatAiw(out)) !== out) problems.push("not idempotent");
    return problems;
  }
});

describe("syntax errors", () => {
  const broken = "flow f() {\n  task a { run: x(\n}\n";

  it("are refused with the position and the message", async () => {
    await expect(formatAiw(broken)).rejects.toThrow(/expected .*\(2:19\)/);
  });

  it("include bad strings (unterminated, bad escapes, bad interpolations)", async () => {
    await expect(formatAiw('agent a { x: "never closed }\n')).rejects.toThrow(/AIW0002/);
    await expect(formatAiw('agent a { x: "\\q" }\n')).rejects.toThrow(/AIW0004/);
    await expect(formatAiw('agent a { x: "${}" }\n')).rejects.toThrow(/AIW0005/);
  });
});

describe("aiwc fmt", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A temp dir holding a copy of test/format/messy.aiw and its expected output. */
  function workspace(): { dir: string; messy: string; formatted: string } {
    const dir = mkdtempSync(nodePath.join(tmpdir(), "aiwc-fmt-"));
    dirs.push(dir);
    const messy = nodePath.join(dir, "messy.aiw");
    const formatted = nodePath.join(dir, "formatted.aiw");
    copyFileSync(nodePath.join(dataDir, "messy.aiw"), messy);
    copyFileSync(nodePath.join(dataDir, "messy.formatted.aiw"), formatted);
    return { dir, messy, formatted };
  }

  function aiwc(cwd: string, ...args: string[]) {
    const r = spawnSync(process.execPath, [nodePath.join(root, "bin", "aiwc.js"), ...args], { cwd, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("--check exits 1 and lists the file when it would change, writing nothing", () => {
    const { dir, messy } = workspace();
    const before = read(messy);
    const r = aiwc(dir, "fmt", "--check", "messy.aiw", "formatted.aiw");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("messy.aiw\n");
    expect(read(messy)).toBe(before);
  });

  it("--check exits 0 when every file is formatted", () => {
    const { dir } = workspace();
    const r = aiwc(dir, "fmt", "--check", "formatted.aiw");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
  });

  it("rewrites changed files in place, names them, and leaves no temp file", () => {
    const { dir, messy, formatted } = workspace();
    const r = aiwc(dir, "fmt", "messy.aiw", "formatted.aiw");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("messy.aiw\n");
    expect(read(messy)).toBe(read(formatted));
    expect(readdirSync(dir).sort()).toEqual(["formatted.aiw", "messy.aiw"]);
    expect(aiwc(dir, "fmt", "--check", "messy.aiw").code).toBe(0);
  });

  it("refuses a file with syntax errors: prints the diagnostics, exits 1, leaves it alone", () => {
    const { dir, messy } = workspace();
    const bad = nodePath.join(dir, "bad.aiw");
    const text = "flow f() {\n  task a { run: x(\n}\n";
    writeFileSync(bad, text);
    const r = aiwc(dir, "fmt", "bad.aiw", "messy.aiw");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[AIW0003]");
    expect(r.stderr).toContain("bad.aiw:2:19");
    expect(read(bad)).toBe(text);
    // The other file is still formatted.
    expect(r.stdout).toBe("messy.aiw\n");
    expect(read(messy)).toBe(read(nodePath.join(dataDir, "messy.formatted.aiw")));
  });

  it("exits 2 for a missing file", () => {
    const { dir } = workspace();
    expect(aiwc(dir, "fmt", "nope.aiw").code).toBe(2);
  });
});

describe("Prettier's own CLI", () => {
  const prettierBin = nodePath.join(root, "node_modules", "prettier", "bin", "prettier.cjs");

  function prettier(...args: string[]) {
    const r = spawnSync(process.execPath, [prettierBin, "--plugin", "./compiler/backends/format/index.ts", ...args], { cwd: root, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  for (const name of ["constructs.aiw", "comments.aiw"]) {
    it(`formats ${name} like formatAiw`, async () => {
      const file = nodePath.join(dataDir, name);
      const r = prettier(rel(file));
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(await formatAiw(read(file), file));
    });
  }

  it("reports a syntax error and exits 2", () => {
    const dir = mkdtempSync(nodePath.join(tmpdir(), "aiw-prettier-"));
    try {
      const bad = nodePath.join(dir, "bad.aiw");
      writeFileSync(bad, "flow f() {\n  task a { run: x(\n}\n");
      const r = prettier(bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("(2:19)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
